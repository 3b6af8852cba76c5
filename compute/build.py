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
import time
import traceback

from oslo_log import log as logging

from novalite.common import exception
from novalite.common import rpc
from novalite.common import states
from novalite.compute import action_events

LOG = logging.getLogger(__name__)

EVENT = 'compute_build_and_run_instance'


# The instance was taken over (delete) or removed: stop, do not error it.
_TAKEN_OVER = (exception.InstanceNotFound, exception.UnexpectedTaskState)
# What spawn raises for an image no host can boot.
_BAD_IMAGE = (exception.Invalid, exception.ImageNotFound)
# Nova's fault code for a build failure.
FAULT_CODE = 500
# Tries to read an instance back after its ACTIVE write lost its answer.
READ_BACK_ATTEMPTS = 6
_UNKNOWN = object()


def _spawning_here(row, host):
    return (row.get('vm_state') == states.BUILDING and
            row.get('task_state') == states.SPAWNING and
            row.get('host') == host)


def _active_here(row, host):
    return (row.get('vm_state') == states.ACTIVE and
            row.get('task_state') is None and row.get('host') == host)


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
            # Straight to spawning, the build's event opened in the same
            # write: ports and disks are set up inside the driver's spawn
            # here, so Nova's networking and block_device_mapping steps
            # would be two more round trips nobody could observe.
            instance = self._swap(
                ctx, instance, states.SCHEDULING, self._event_of('start'),
                _spawning_here, task_state=states.SPAWNING)
        except _TAKEN_OVER as exc:
            # Deleted before we started, or a duplicate of a build already
            # done: nothing of ours exists, so touch nothing.
            LOG.info('not building instance %s: %s', uuid,
                     rpc.message_of(exc))
            return None
        if instance is None:
            # Nothing made yet; the conductor's recovery reschedules it
            # (still scheduling) or times it out (spawning).
            return None
        try:
            spawned = True
            image_meta = ((request_spec or {}).get('image') or
                          {'id': instance.get('image_ref')})
            # Personality files ride in the request spec (config drive).
            injected = (request_spec or {}).get('injected_files')
            if injected:
                instance = dict(instance, injected_files=injected)
            try:
                self.driver.spawn(instance, image_meta, requested_networks,
                                  admin_password=admin_password, context=ctx)
            except _BAD_IMAGE as exc:
                raise exception.BuildAbortException(
                    instance_uuid=uuid, reason=exc.message)
            instance = self._finish(ctx, instance)
            if instance is None:
                return None
            LOG.info('instance %s is active on %s', uuid, self.conf.host)
            return instance
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
                self._reschedule(ctx, instance, request_spec, host_list, exc,
                                 admin_password)
            return None

    def _finish(self, ctx, instance):
        """Record the running guest ACTIVE (``_swap``). Returns None when
        the outcome cannot be learnt: the guest is kept, and the
        conductor's recovery or this agent's reaper settles it."""
        return self._swap(
            ctx, instance, states.SPAWNING,
            self._event_of('finish', 'Success'), _active_here,
            vm_state=states.ACTIVE, power_state=states.RUNNING,
            task_state=None, launched_at=utcnow_iso())

    def _swap(self, ctx, instance, expected, action_event, done, **updates):
        """One build step's compare-and-swap, sent again while its answer
        is lost (the bus dropped the connection, a timeout): the write may
        have been made, or may still be on its way to the conductor, so
        calling the build failed would act on a stale view (for the ACTIVE
        write: destroy the guest of a server the delayed write makes
        ACTIVE; for the first: leave a spawning server nobody builds). A
        retry the row refuses is read back: ``done(row, host)`` true means
        an earlier try got through. Returns the instance, or None when the
        outcome cannot be learnt; raises _TAKEN_OVER when the instance was
        deleted or moved."""
        uuid = instance['uuid']
        for attempt in range(READ_BACK_ATTEMPTS):
            try:
                return self._update(ctx, instance, expected,
                                    action_event=action_event, **updates)
            except _TAKEN_OVER:
                if attempt == 0:
                    raise
                return self._after_refused_retry(ctx, uuid, expected, done)
            except Exception as exc:  # noqa: BLE001 -- answer lost, maybe
                LOG.warning('build step of instance %s (%s -> %s) failed '
                            '(%s); trying again', uuid, expected,
                            updates.get('task_state'), rpc.message_of(exc))
                time.sleep(min(2 ** attempt, 10))
        LOG.error('cannot learn whether the build step of instance %s was '
                  'recorded; leaving it to recovery', uuid)
        return None

    def _after_refused_retry(self, ctx, uuid, expected, done):
        """A retry was refused: done by an earlier try, or the instance
        was deleted or moved meanwhile (raise)."""
        current = self._read_back(ctx, uuid)
        if current is _UNKNOWN:
            LOG.error('cannot learn whether the build step of instance %s '
                      'was recorded; leaving it to recovery', uuid)
            return None
        if current is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        if done(current, self.conf.host):
            LOG.info('the build step of instance %s was recorded; only '
                     'the answer was lost', uuid)
            return current
        raise exception.UnexpectedTaskState(
            instance_uuid=uuid, expected=expected,
            actual=current.get('task_state'))

    def _read_back(self, ctx, uuid):
        """The instance as the database has it (None: deleted), or
        _UNKNOWN after READ_BACK_ATTEMPTS failures."""
        for attempt in range(READ_BACK_ATTEMPTS):
            try:
                found = self.conductor.instance_get_by_uuids(ctx, [uuid])
                return found[0] if found else None
            except Exception as exc:  # noqa: BLE001 -- the bus is back soon
                LOG.warning('reading instance %s back failed (%s)', uuid,
                            rpc.message_of(exc))
                time.sleep(min(2 ** attempt, 10))
        return _UNKNOWN

    def _update(self, ctx, instance, expected, action_event=None,
                **updates):
        return self.conductor.instance_update(
            ctx, instance['uuid'], updates, expected_task_state=expected,
            expected_host=self.conf.host, action_event=action_event)

    def _event_of(self, phase, result=None):
        event = {'event': EVENT, 'phase': phase, 'host': self.conf.host}
        if result:
            event['result'] = result
        return event

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

    def _reschedule(self, ctx, instance, request_spec, host_list, exc,
                    admin_password=None):
        # None (a recovery's build, its alternates unknown): the conductor
        # asks the scheduler again.
        alternates = None if host_list is None else [
            sel for sel in host_list
            if sel.get('service_host') != self.conf.host]
        try:
            self.conductor.build_instances(
                ctx, instance, request_spec, host_list=alternates,
                failed_host=self.conf.host, reason=str(exc),
                admin_password=admin_password)
        except Exception:  # noqa: BLE001
            LOG.exception('cannot hand instance %s back to the conductor',
                          instance['uuid'])
