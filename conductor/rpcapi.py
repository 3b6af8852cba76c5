"""Client side of the conductor RPC API (topic ``novalite-conductor``).

The conductor orchestrates builds and is the compute agent's only way to
the database: every state change a compute agent makes goes through here.

Version history:

    1.0 - Initial: schedule_and_build_instances, build_instances,
          instance_update, instance_fault_create, instance_destroy,
          instance_get_all_by_host, action_event_start, action_event_finish,
          compute_node_update, service_heartbeat.
    1.1 - Added allocation_free (a compute agent drops the claim of a build
          it aborted).
    1.2 - instance_update takes ``fault``, written in the same transaction.
    1.3 - Added instance_get_by_uuids (a compute agent finds which of its
          domains belong to deleted instances or to other hosts). Removed
          instance_fault_create: no client ever called it (faults ride on
          instance_update since 1.2), so no caller can break.
    1.4 - instance_update takes ``expected_host``: the update is one
          compare-and-swap on host and task state (a compute agent's
          build steps; a late build message of an instance moved to
          another host changes nothing). build_instances accepts
          ``request_spec`` None (read from the database) and
          ``host_list`` None (ask the scheduler for a new host).
    1.5 - Added get_network_info (a compute agent rebuilding or recovering
          a guest gets its ports, subnets and security group rules).
    1.6 - instance_update (with ``expected_host``) takes ``action_event``,
          written in the same transaction: a build's first state change
          opens its event and its ACTIVE closes it (two round trips
          fewer per boot). build_instances takes ``admin_password`` (a
          rescheduled build injects the password the user was given).
    1.7 - build_instances takes ``exclude_failed_host``: False when an
          agent restart interrupted the build (the host did not fail it,
          so the scheduler may pick it again -- once).
    1.8 - Added service_heartbeats: many services' heartbeats in one call
          (the simulated hosts of one process beat together).
"""

from novalite.common import rpc

TOPIC = 'novalite-conductor'
RPC_API_VERSION = '1.8'


class ConductorAPI:

    def __init__(self, conf):
        self.client = rpc.get_client(conf, TOPIC, RPC_API_VERSION)

    def _cctxt(self, timeout=None):
        if timeout:
            return self.client.prepare(version='1.0', timeout=timeout)
        return self.client.prepare(version='1.0')

    # -- build orchestration (casts) -------------------------------------
    def schedule_and_build_instances(self, ctxt, instance_uuids,
                                     request_spec, admin_password=None,
                                     requested_networks=None):
        """Schedule and start building the given (already written) instances.

        :param instance_uuids: the instances the API wrote, in launch order.
        :param request_spec: dict (see doc/architecture.md, "request spec").
        :param admin_password: password to inject, or None.
        :param requested_networks: list of port dicts allocated by the API.
        """
        self._cctxt().cast(ctxt, 'schedule_and_build_instances',
                           instance_uuids=instance_uuids,
                           request_spec=request_spec,
                           admin_password=admin_password,
                           requested_networks=requested_networks)

    def build_instances(self, ctxt, instance, request_spec, host_list,
                        failed_host, reason, admin_password=None,
                        exclude_failed_host=True):
        """Reschedule a failed build to the next alternate in ``host_list``.

        The instance is first taken off ``failed_host`` (compare-and-swap);
        if it is no longer building there, nothing happens.

        :param instance: the instance dict as the compute agent saw it.
        :param request_spec: the request spec, or None to use the stored
            one (1.4).
        :param host_list: remaining selections (dicts), best first; None
            to ask the scheduler for a new host, ``failed_host`` excluded
            (1.4: a build interrupted by an agent restart, whose
            alternates are lost).
        :param failed_host: host whose build failed (its claim is dropped).
        :param reason: why it failed, recorded in the fault if none is left.
        :param admin_password: the password to inject on the next host
            (1.6).
        :param exclude_failed_host: False lets the scheduler pick
            ``failed_host`` again (with ``host_list`` None), unless the
            build was rescheduled away from it before (1.7).
        """
        kw = {}
        version = ('1.4' if request_spec is None or host_list is None
                   else '1.0')
        if admin_password is not None:
            kw['admin_password'] = admin_password
            version = '1.6'
        if not exclude_failed_host:
            kw['exclude_failed_host'] = False
            version = '1.7'
        self.client.prepare(version=version).cast(
            ctxt, 'build_instances', instance=instance,
            request_spec=request_spec, host_list=host_list,
            failed_host=failed_host, reason=reason, **kw)

    # -- database proxy for compute agents (calls) ------------------------
    def instance_update(self, ctxt, instance_uuid, updates,
                        expected_task_state=None, fault=None,
                        expected_host=None, action_event=None):
        """Update an instance and return it as a dict.

        :param expected_task_state: a task state or list of them; when given
            and the row's task_state differs, nothing is written.
        :param fault: dict (code, message, details, host) recorded with the
            update, so a server is never seen in ERROR without its fault.
        :param expected_host: when given, nothing is written unless the
            instance is still on this host (1.4; one UPDATE ... WHERE on
            host and task state).
        :param action_event: with ``expected_host`` only: dict (event,
            phase 'start' or 'finish', host, result, traceback) of the
            request's action event to record with the update (1.6).
        :raises: InstanceNotFound, UnexpectedTaskState
        """
        kw = dict(instance_uuid=instance_uuid, updates=updates)
        if expected_task_state is not None:
            kw['expected_task_state'] = expected_task_state
        if action_event is not None:
            kw['action_event'] = action_event
        if expected_host is not None:
            return self.client.prepare(
                version='1.6' if action_event is not None else '1.4').call(
                ctxt, 'instance_update', fault=fault,
                expected_host=expected_host, **kw)
        if fault is None:
            return self._cctxt().call(ctxt, 'instance_update', **kw)
        return self.client.prepare(version='1.2').call(
            ctxt, 'instance_update', fault=fault, **kw)

    def instance_destroy(self, ctxt, instance_uuid):
        """Mark the instance deleted and free its allocation and ports."""
        return self._cctxt().call(ctxt, 'instance_destroy',
                                  instance_uuid=instance_uuid)

    def get_network_info(self, ctxt, instance_uuid):
        """The instance's ports as the compute agent plugs them (1.5).

        :returns: [port info dict] (see common/db/network_info.py).
        """
        return self.client.prepare(version='1.5').call(
            ctxt, 'get_network_info', instance_uuid=instance_uuid)

    def allocation_free(self, ctxt, instance_uuid):
        """Drop the instance's resource claim (idempotent).

        :returns: True if there was one.
        """
        return self.client.prepare(version='1.1').call(
            ctxt, 'allocation_free', instance_uuid=instance_uuid)

    def instance_get_all_by_host(self, ctxt, host):
        """Live instances (dicts) placed on ``host``."""
        return self._cctxt().call(ctxt, 'instance_get_all_by_host', host=host)

    def instance_get_by_uuids(self, ctxt, instance_uuids, read_deleted='no'):
        """The instances (dicts) with these uuids; unknown uuids are left
        out (1.3).

        :param read_deleted: ``yes`` to include deleted instances (their
            ``deleted`` is non-zero and ``vm_state`` is ``deleted``).
        :raises: Invalid for another ``read_deleted``.
        """
        return self.client.prepare(version='1.3').call(
            ctxt, 'instance_get_by_uuids', instance_uuids=instance_uuids,
            read_deleted=read_deleted)

    def action_event_start(self, ctxt, instance_uuid, event, host=None):
        """Open an event of the instance's action for this request id."""
        return self._cctxt().call(ctxt, 'action_event_start',
                                  instance_uuid=instance_uuid, event=event,
                                  host=host)

    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            traceback=None):
        """Close an event with ``Success`` or ``Error``."""
        return self._cctxt().call(ctxt, 'action_event_finish',
                                  instance_uuid=instance_uuid, event=event,
                                  result=result, traceback=traceback)

    def compute_node_update(self, ctxt, host, nodename, resources,
                            timeout=None):
        """Create or update this host's compute node from its report.

        :param resources: dict with vcpus, memory_mb, local_gb,
            hypervisor_type, hypervisor_version, reserved_host_memory_mb,
            reserved_host_disk_mb and the three allocation ratios.
        :param timeout: seconds to wait instead of rpc_call_timeout (a
            compute agent starting before the conductor retries quickly).
        :returns: the compute node dict (with its uuid).
        """
        return self._cctxt(timeout).call(ctxt, 'compute_node_update', host=host,
                                  nodename=nodename, resources=resources)

    def service_heartbeat(self, ctxt, host, binary, topic):
        """Create the service row if missing and mark it seen up now."""
        return self._cctxt().call(ctxt, 'service_heartbeat', host=host,
                                  binary=binary, topic=topic)

    def service_heartbeats(self, ctxt, services):
        """``service_heartbeat`` of each ``[host, binary, topic]`` in one
        call and one transaction (1.8): one process running a thousand
        simulated hosts would otherwise make a thousand calls per
        report interval. Returns how many rows were bumped or made."""
        return self.client.prepare(version='1.8').call(
            ctxt, 'service_heartbeats', services=services)
