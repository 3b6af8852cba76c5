"""The compute agent: RPC endpoints for the guests of one host, its start-up
check of those guests, and its periodic resource report and power-state sync.

It has no database access; every read and write goes through the conductor
(``conductor/rpcapi.py``). The build workflow lives in ``build.py``, server
actions in ``actions.py``, the clean-up of guests of instances this host
no longer owns in ``reaper.py``. Only the ``@rpc.expose`` methods are
callable over the bus, and each refuses an instance of another host
(``ownership.py``).
"""

import contextlib
import os
import threading
import traceback
import uuid as uuidlib

from oslo_log import log as logging

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import rpc
from novalite.common import states
from novalite.compute import actions
from novalite.compute import build
from novalite.compute import ownership
from novalite.compute import reaper
from novalite.compute import resource_tracker
from novalite.compute import rpcapi as compute_rpcapi
from novalite.compute.virt.libvirt import driver as libvirt_driver
from novalite.conductor import rpcapi as conductor_rpcapi

LOG = logging.getLogger(__name__)

INTERRUPTED_BUILD = ('Instance build was interrupted by a compute agent '
                     'restart')
# Task states of a build whose guest may be running by now.
_SPAWNING = (states.SPAWNING,)


def _stopped_by_guest(vm_state, power_state):
    return (vm_state == states.ACTIVE and
            power_state in (states.SHUTDOWN, states.CRASHED))


class InstanceLocks:
    """One lock per instance uuid, forgotten once nobody holds or waits for
    it, so a delete arriving mid-build waits for the build to finish."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks = {}

    @contextlib.contextmanager
    def hold(self, uuid):
        with self._guard:
            entry = self._locks.setdefault(uuid, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[uuid]


class ComputeManager(actions.ServerActionsMixin):
    """RPC endpoint object of ``novalite-compute`` (server=``[DEFAULT]
    host``); its RPC API version is ``compute.rpcapi.RPC_API_VERSION``."""

    RPC_API_VERSION = compute_rpcapi.RPC_API_VERSION
    target = rpc.target(RPC_API_VERSION)

    def __init__(self, conf, driver=None, conductor_api=None):
        self.conf = conf
        self.driver = driver = (driver if driver is not None
                                else libvirt_driver.LibvirtDriver(conf))
        self.conductor = (conductor_api if conductor_api is not None
                          else conductor_rpcapi.ConductorAPI(conf))
        self.resource_tracker = resource_tracker.ResourceTracker(
            conf, driver, self.conductor)
        self.builder = build.BuildWorkflow(conf, driver, self.conductor)
        self.locks = InstanceLocks()
        self.reaper = reaper.Reaper(conf, driver, self.conductor, self.locks)
        # True until the start-up check of our instances has run; if the
        # conductor was unreachable then, the next resource report runs it.
        self._instances_unchecked = True

    # -- service hooks --------------------------------------------------------
    def init_host(self):
        """Connect to libvirt, subscribe to its lifecycle events, report
        resources, reconcile our instances."""
        ctx = nl_context.get_admin_context()
        self.driver.register_lifecycle_handler(self.handle_lifecycle_event)
        self.driver.init_host()
        if self.resource_tracker.report_until_up(ctx):
            try:
                self._init_instances(ctx)
            except Exception:  # noqa: BLE001 -- retried with the next report
                LOG.exception('cannot check the instances of this host yet')

    def cleanup_host(self):
        self.driver.cleanup_host()

    def periodic_tasks(self):
        opts = self.conf.compute
        tasks = [(opts.resource_update_interval,
                  self._update_available_resource),
                 (opts.sync_power_state_interval, self._sync_power_states)]
        if opts.running_deleted_instance_poll_interval > 0:
            tasks.append((opts.running_deleted_instance_poll_interval,
                          self._cleanup_running_deleted_instances))
        return tasks

    # -- RPC endpoints --------------------------------------------------------
    @rpc.expose
    @ownership.this_host_only()
    def build_and_run_instance(self, ctxt, instance, request_spec, host_list,
                               admin_password=None, requested_networks=None,
                               node=None):
        """Build and start ``instance`` here (cast from the conductor).

        :param host_list: alternate selections for a reschedule.
        :param requested_networks: the instance's port dicts.
        """
        with self.locks.hold(instance['uuid']):
            self.builder.run(ctxt, instance, request_spec, host_list,
                             admin_password=admin_password,
                             requested_networks=requested_networks)

    @rpc.expose
    @ownership.this_host_only()
    def terminate_instance(self, ctxt, instance):
        """Destroy the domain and files, then have the conductor mark the
        instance deleted and free its allocation and ports (cast from the
        API). Failures leave the instance in ERROR with a fault."""
        uuid = instance['uuid']
        with self.locks.hold(uuid):
            try:
                self.driver.destroy(instance)
                self.conductor.instance_destroy(ctxt, uuid)
            except exception.InstanceNotFound:
                LOG.info('instance %s was already deleted', uuid)
            except Exception as exc:  # noqa: BLE001
                LOG.exception('cannot delete instance %s', uuid)
                self._set_error(ctxt, uuid, str(exc), traceback.format_exc())
            else:
                LOG.info('instance %s deleted', uuid)

    @rpc.expose
    def refresh_security_groups(self, ctxt, groups, ports=None, hosts=None):
        """Apply new rules to the running guests that use these groups,
        and new group lists to these ports (fanout cast, RPC 1.4).

        :param groups: {group uuid: [rule dict]}.
        :param ports: [port info] whose groups changed.
        :param hosts: the hosts a fanout is for (1.5); another ignores it.
        """
        if isinstance(hosts, list) and self.conf.host not in hosts:
            return
        done = self.driver.refresh_security_groups(groups, ports or [])
        if done:
            LOG.info('security groups %s refreshed on %s', done,
                     self.conf.host)

    @rpc.expose
    @rpc.expected_exceptions(exception.InstanceNotFound)
    @ownership.this_host_only(call=True)
    def get_diagnostics(self, ctxt, instance):
        """The domain as libvirt sees it (call, RPC 1.1).

        :raises: InstanceNotFound when this host has no domain for it, or
            the instance is assigned to another host.
        """
        return self.driver.get_diagnostics(instance)

    @rpc.expose
    def list_guests(self, ctxt):
        """This host's guests as the hypervisor and the disk see them, for
        ``novalite-manage audit`` (call, RPC 1.3).

        :returns: dict with ``host``; ``domains``: {uuid: {"name",
            "power_state", "novalite": bool (defined by novalite), "nics":
            [{"network_id", "mac_address", "filter"}]}}; ``networks``:
            {network uuid: {"bridge", "dhcp_hosts": [[mac, ip]]}};
            ``instances_path``; ``instance_dirs``: sorted uuids of the
            instance directories there (agents sharing one instances_path
            list the same ones).
        """
        ours, others = self.driver.list_instance_domains()
        power = self.driver.get_power_states()
        nics = self.driver.list_nics()
        domains = {}
        for uuid in sorted(ours | others):
            domains[uuid] = {'novalite': uuid in ours,
                             'power_state': power.get(uuid, states.NOSTATE),
                             'nics': nics.get(uuid, [])}
        path = self.driver.instances_path
        dirs = []
        if os.path.isdir(path):
            for name in os.listdir(path):
                try:
                    if str(uuidlib.UUID(name)) == name and os.path.isdir(
                            os.path.join(path, name)):
                        dirs.append(name)
                except ValueError:
                    continue    # _base, locks, anything not an instance
        return {'host': self.conf.host, 'domains': domains,
                'networks': self.driver.list_networks(),
                'instances_path': os.path.realpath(path),
                'instance_dirs': sorted(dirs)}

    @rpc.expose
    def reap_guests(self, ctxt, instance_uuids):
        """Destroy the domains and files of these instances where the
        conductor says they are deleted or on another host (call, RPC 1.3;
        ``novalite-manage audit --fix``). Others are left alone.

        :param instance_uuids: the uuids the audit found out of place.
        :returns: {uuid: reason} of those removed.
        """
        return self.reaper.reap(ctxt, instance_uuids)

    # -- periodic tasks -------------------------------------------------------
    def _update_available_resource(self, ctx):
        self.resource_tracker.report(ctx)
        if self._instances_unchecked:
            self._init_instances(ctx)

    def _sync_power_states(self, ctx, instances=None, power_states=None):
        """Record libvirt's power state of every idle instance of this host
        whose recorded one differs: one list call, one libvirt listing, and
        writes only for the differences."""
        if instances is None:
            instances = self.conductor.instance_get_all_by_host(
                ctx, self.conf.host)
        if power_states is None:
            power_states = self.driver.get_power_states()
        for inst in instances:
            # Builds and other tasks own their instance; leave them alone.
            if inst.get('task_state') or inst['vm_state'] == states.BUILDING:
                continue
            actual = power_states.get(inst['uuid'], states.NOSTATE)
            if (actual == inst.get('power_state') and
                    not _stopped_by_guest(inst['vm_state'], actual)):
                continue
            if inst['uuid'] not in power_states:
                LOG.warning('instance %s has no domain on this host',
                            inst['uuid'])
            self._record_power_state(ctx, inst['uuid'], actual,
                                     inst['vm_state'])

    def handle_lifecycle_event(self, uuid, power_state):
        """A libvirt lifecycle event of domain ``uuid`` (from the driver's
        dispatcher thread). The state is read again from libvirt, as the
        event may be stale by now; an instance with a task in progress (or
        not ours) is left alone."""
        actual = self.driver.get_power_state({'uuid': uuid})
        LOG.debug('lifecycle event of %s: power state %s (now %s)', uuid,
                  power_state, actual)
        # Events our own actions caused: the action records the state. A
        # domain gone meanwhile was deleted (or the periodic sync sees it).
        if (actual == states.NOSTATE or
                not self.driver.is_new_power_state(uuid, actual)):
            return
        self._record_power_state(nl_context.get_admin_context(), uuid,
                                 actual)

    def _record_power_state(self, ctx, uuid, actual, vm_state=None):
        """Write ``actual`` unless a task is in progress; a guest that
        powered itself off while ACTIVE becomes STOPPED (SHUTOFF), as
        Nova's _sync_instance_power_state does."""
        updates = {'power_state': actual}
        if _stopped_by_guest(vm_state, actual):
            updates['vm_state'] = states.STOPPED
        try:
            inst = self.conductor.instance_update(
                ctx, uuid, updates, expected_task_state=[None])
            if vm_state is None and _stopped_by_guest(inst['vm_state'],
                                                      actual):
                self.conductor.instance_update(
                    ctx, uuid, {'vm_state': states.STOPPED},
                    expected_task_state=[None])
                updates['vm_state'] = states.STOPPED
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskState):
            return   # not ours, gone, or a task started: it will decide
        LOG.info('instance %s: %s', uuid, updates)

    # -- start-up -------------------------------------------------------------
    def _init_instances(self, ctx):
        instances = self.conductor.instance_get_all_by_host(ctx,
                                                            self.conf.host)
        power_states = self.driver.get_power_states()
        idle = []
        for inst in instances:
            if inst.get('task_state') == states.DELETING:
                # The delete cast may have died with the previous agent.
                self.terminate_instance(ctx, inst)
            elif inst['vm_state'] == states.BUILDING:
                self._recover_interrupted_build(ctx, inst, power_states)
            else:
                idle.append(inst)
        self._sync_power_states(ctx, idle, power_states)
        self._instances_unchecked = False
        try:
            self._cleanup_running_deleted_instances(ctx)
        except Exception:  # noqa: BLE001 -- the periodic task retries
            LOG.exception('cannot check this host for guests of deleted '
                          'instances yet')

    def _cleanup_running_deleted_instances(self, ctx):
        """Guests of instances deleted or moved away (``reaper.py``)."""
        self.reaper.run(ctx)

    def _recover_interrupted_build(self, ctx, instance, power_states):
        """A build this agent had not finished when it stopped. Finish
        rather than fail: a guest that was spawning and runs is recorded
        ACTIVE; otherwise what was made is removed and the conductor
        reschedules the instance (the scheduler picks a host, this one
        included unless the build was interrupted here before: the
        alternates died with the build message)."""
        uuid = instance['uuid']
        with self.locks.hold(uuid):
            if (instance.get('task_state') in _SPAWNING and
                    power_states.get(uuid) == states.RUNNING):
                try:
                    self.conductor.instance_update(
                        ctx, uuid, {'vm_state': states.ACTIVE,
                                    'power_state': states.RUNNING,
                                    'task_state': None,
                                    'launched_at': build.utcnow_iso()},
                        expected_task_state=states.SPAWNING,
                        expected_host=self.conf.host)
                    LOG.info('instance %s was spawned when the agent '
                             'stopped and its guest runs: ACTIVE', uuid)
                    return
                except (exception.InstanceNotFound,
                        exception.UnexpectedTaskState):
                    LOG.info('instance %s changed meanwhile', uuid)
                    return
            LOG.warning('instance %s was building when the agent stopped '
                        '(task_state %s); rescheduling it', uuid,
                        instance.get('task_state'))
            try:
                self.driver.destroy(instance)   # a half-made guest, if any
            except Exception:  # noqa: BLE001
                LOG.exception('cannot clean up instance %s', uuid)
            # The restart, not this host, stopped the build: it may come
            # back here (once; the conductor excludes us the next time).
            self.conductor.build_instances(
                ctx, instance, None, host_list=None,
                failed_host=self.conf.host, reason=INTERRUPTED_BUILD,
                exclude_failed_host=False)

    def _set_error(self, ctx, uuid, message, details=None):
        try:
            self.conductor.instance_update(
                ctx, uuid, {'vm_state': states.ERROR, 'task_state': None},
                fault={'code': 500, 'message': message[:255],
                       'details': details, 'host': self.conf.host})
        except exception.InstanceNotFound:
            pass
        except Exception:  # noqa: BLE001
            LOG.exception('cannot set instance %s to ERROR', uuid)
