"""The build of one instance on this host, beside the manager that
receives the request.

Every state change is an ``instance_update`` with ``expected_task_state``
and ``expected_host`` (one compare-and-swap in the conductor): if the API
started a delete meanwhile (task_state ``deleting``), the instance is gone,
or it was moved to another host (a late build message after the conductor
rescheduled it, a build timed out), the update fails and the build stops,
removes what it created and leaves the instance to whoever has it now. An image this host cannot
boot (``exception.Invalid`` from the driver: wrong format, too big for the
flavor, a missing kernel or ramdisk) aborts the build: no other host would
do better, so the instance goes straight to ERROR with a fault saying why.
Any other failure before the guest runs is handed back to the conductor,
which reschedules to the next alternate or sets ERROR with the fault.
"""

import datetime
import traceback

from oslo_log import log as logging

from novalite.common import exception
from novalite.common import rpc
from novalite.common import states
from novalite.compute import action_events

LOG = logging.getLogger(__name__)

EVENT = 'compute_build_and_run_instance'

# (expected, next) task states walked before the driver runs.
_STEPS = ((states.SCHEDULING, states.NETWORKING),
          (states.NETWORKING, states.BLOCK_DEVICE_MAPPING),
          (states.BLOCK_DEVICE_MAPPING, states.SPAWNING))

# The instance was taken over (delete) or removed: stop, do not error it.
_TAKEN_OVER = (exception.InstanceNotFound, exception.UnexpectedTaskState)
# What spawn raises for an image no host can boot.
_BAD_IMAGE = (exception.Invalid, exception.ImageNotFound)
# Nova's fault code for a build failure.
FAULT_CODE = 500


def utcnow_iso():
    return (datetime.datetime.now(datetime.timezone.utc)
            .replace(tzinfo=None).isoformat())


class BuildWorkflow:
    """Runs builds; one object serves every build of the agent."""

    def __init__(self, conf, driver, conductor_api):
        self.conf = conf
        self.driver = driver
        self.conductor = conductor_api

    def run(self, ctx, instance, request_spec, host_list,
            admin_password=None, requested_networks=None):
        """Build ``instance``; returns the final instance dict or None.

        The caller holds the instance's lock.
        """
        uuid = instance['uuid']
        spawned = False
        try:
            instance = self._update(ctx, instance, states.SCHEDULING,
                                    task_state=states.NETWORKING)
        except _TAKEN_OVER as exc:
            # Deleted before we started, or a duplicate of a build already
            # done: nothing of ours exists, so touch nothing.
            LOG.info('not building instance %s: %s', uuid,
                     rpc.message_of(exc))
            return None
        try:
            self._event(ctx, 'start', uuid)
            for expected, task_state in _STEPS[1:]:
                instance = self._update(ctx, instance, expected,
                                        task_state=task_state)
            spawned = True
            image_meta = ((request_spec or {}).get('image') or
                          {'id': instance.get('image_ref')})
            try:
                self.driver.spawn(instance, image_meta, requested_networks,
                                  admin_password=admin_password, context=ctx)
            except _BAD_IMAGE as exc:
                raise exception.BuildAbortException(
                    instance_uuid=uuid, reason=exc.message)
            instance = self._update(
                ctx, instance, states.SPAWNING, vm_state=states.ACTIVE,
                power_state=states.RUNNING, task_state=None,
                launched_at=utcnow_iso())
        except _TAKEN_OVER as exc:
            LOG.info('build of instance %s stopped: %s', uuid,
                     rpc.message_of(exc))
            if spawned:
                self._cleanup(instance)
            self._event(ctx, 'finish', uuid, 'Error', str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 -- every failure reschedules
            tb = traceback.format_exc()
            LOG.exception('build of instance %s failed on %s', uuid,
                          self.conf.host)
            if spawned:
                self._cleanup(instance)
            self._event(ctx, 'finish', uuid, 'Error', tb)
            if isinstance(exc, exception.BuildAbortException):
                self._abort(ctx, instance, exc, tb)
            else:
                self._reschedule(ctx, instance, request_spec, host_list, exc)
            return None
        self._event(ctx, 'finish', uuid, 'Success')
        LOG.info('instance %s is active on %s', uuid, self.conf.host)
        return instance

    def _update(self, ctx, instance, expected, **updates):
        return self.conductor.instance_update(
            ctx, instance['uuid'], updates, expected_task_state=expected,
            expected_host=self.conf.host)

    def _event(self, ctx, phase, uuid, result=None, tb=None):
        action_events.record(self.conductor, ctx, phase, uuid, EVENT,
                             host=self.conf.host, result=result, tb=tb)

    def _cleanup(self, instance):
        try:
            self.driver.destroy(instance)
        except Exception:  # noqa: BLE001 -- report, keep going
            LOG.exception('cannot clean up instance %s after a failed build',
                          instance['uuid'])

    def _abort(self, ctx, instance, exc, tb):
        """ERROR with the abort message as the fault (the conductor's
        reschedule would record "exceeded retries" instead). As Nova does,
        the instance leaves this host (host/node cleared) and its claim is
        dropped at once: nothing of it remains here."""
        uuid = instance['uuid']
        try:
            self.conductor.instance_update(
                ctx, uuid, {'vm_state': states.ERROR, 'task_state': None,
                            'host': None, 'node': None},
                expected_task_state=states.SPAWNING,
                fault={'code': FAULT_CODE, 'message': exc.message[:255],
                       'details': tb, 'host': self.conf.host})
            self.conductor.allocation_free(ctx, uuid)
        except _TAKEN_OVER:
            LOG.info('instance %s was deleted while its build aborted', uuid)
        except Exception:  # noqa: BLE001
            LOG.exception('cannot set instance %s to ERROR', uuid)

    def _reschedule(self, ctx, instance, request_spec, host_list, exc):
        # None (a recovery's build, its alternates unknown): the conductor
        # asks the scheduler again.
        alternates = None if host_list is None else [
            sel for sel in host_list
            if sel.get('service_host') != self.conf.host]
        try:
            self.conductor.build_instances(
                ctx, instance, request_spec, host_list=alternates,
                failed_host=self.conf.host, reason=str(exc))
        except Exception:  # noqa: BLE001
            LOG.exception('cannot hand instance %s back to the conductor',
                          instance['uuid'])
