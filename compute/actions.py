"""Server actions on a running compute agent (stop, start, reboot, pause,
suspend, rebuild, console output, snapshot): the RPC endpoints the manager
inherits. Kept beside the manager so it does not grow with every action.

The API has set the starting task_state. Each step here writes the next one
with ``expected_task_state`` = the one before, so a delete (or a hard
reboot) that took the instance over meanwhile makes the step fail and the
action stop without touching the instance further. Any other failure puts
the task_state back to None (the vm_state stays what it was, as Nova's
reverts_task_state) and records an instance fault and an Error event."""

import traceback

from oslo_log import log as logging

from novalite.common import exception
from novalite.common import rpc
from novalite.common import states
from novalite.compute import action_events
from novalite.compute import build
from novalite.compute import ownership

LOG = logging.getLogger(__name__)

# The instance was taken over (delete, hard reboot) or removed.
_TAKEN_OVER = (exception.InstanceNotFound, exception.UnexpectedTaskState)


class _TakenOver(Exception):
    """A state write found the instance gone or in another task. (The
    driver's InstanceNotFound -- no domain -- is a failure, not this.)"""


def tail(text, length):
    """The last ``length`` lines of ``text`` (all of it when None)."""
    if length is None:
        return text
    length = int(length)
    if length <= 0:
        return ''
    return '\n'.join(text.split('\n')[-length:])


class ServerActionsMixin:
    """Mixed into ComputeManager; uses self.driver, self.conductor,
    self.locks and self.conf."""

    _image_client = None

    # -- RPC endpoints (compute RPC 1.2) --------------------------------------
    @rpc.expose
    @ownership.this_host_only()
    def stop_instance(self, ctxt, instance, clean_shutdown=True):
        """Power off (ACPI first when ``clean_shutdown``) → stopped."""
        def work(step):
            timeout = self.conf.compute.shutdown_timeout
            self.driver.power_off(instance, timeout=timeout,
                                  clean_shutdown=clean_shutdown)
            step(states.POWERING_OFF, vm_state=states.STOPPED,
                 power_state=states.SHUTDOWN, task_state=None)
        self._run(ctxt, instance, 'compute_stop_instance', work,
                  [states.POWERING_OFF])

    @rpc.expose
    @ownership.this_host_only()
    def start_instance(self, ctxt, instance):
        """Power on the defined domain → active."""
        def work(step):
            self.driver.power_on(instance)
            step(states.POWERING_ON, vm_state=states.ACTIVE,
                 power_state=states.RUNNING, task_state=None)
        self._run(ctxt, instance, 'compute_start_instance', work,
                  [states.POWERING_ON])

    @rpc.expose
    @ownership.this_host_only()
    def reboot_instance(self, ctxt, instance, reboot_type):
        """SOFT (ACPI, the driver falls back to hard) or HARD reboot."""
        hard = str(reboot_type).upper() == 'HARD'
        first, started = (
            (states.REBOOTING_HARD, states.REBOOT_STARTED_HARD) if hard
            else (states.REBOOTING, states.REBOOT_STARTED))

        def work(step):
            step(first, task_state=started)
            self.driver.reboot(instance, 'HARD' if hard else 'SOFT')
            step(started, vm_state=states.ACTIVE,
                 power_state=states.RUNNING, task_state=None)
        self._run(ctxt, instance, 'compute_reboot_instance', work,
                  [first, started])

    @rpc.expose
    @ownership.this_host_only()
    def pause_instance(self, ctxt, instance):
        self._simple(ctxt, instance, 'compute_pause_instance', states.PAUSING,
                     self.driver.pause, states.PAUSED, states.POWER_PAUSED)

    @rpc.expose
    @ownership.this_host_only()
    def unpause_instance(self, ctxt, instance):
        self._simple(ctxt, instance, 'compute_unpause_instance',
                     states.UNPAUSING, self.driver.unpause, states.ACTIVE,
                     states.RUNNING)

    @rpc.expose
    @ownership.this_host_only()
    def suspend_instance(self, ctxt, instance):
        # A managed-saved libvirt domain is shut off: Nova reports SHUTDOWN.
        self._simple(ctxt, instance, 'compute_suspend_instance',
                     states.SUSPENDING, self.driver.suspend, states.SUSPENDED,
                     states.SHUTDOWN)

    @rpc.expose
    @ownership.this_host_only()
    def resume_instance(self, ctxt, instance):
        self._simple(ctxt, instance, 'compute_resume_instance',
                     states.RESUMING, self.driver.resume, states.ACTIVE,
                     states.RUNNING)

    @rpc.expose
    @ownership.this_host_only()
    def rebuild_instance(self, ctxt, instance, image_ref, image_meta,
                         admin_password=None):
        """Destroy the guest and spawn it again from ``image_ref`` (same
        flavor, same host). A stopped server is stopped again afterwards.
        A failure leaves it in ERROR: its old guest is gone."""
        was_stopped = instance.get('vm_state') == states.STOPPED
        instance = dict(instance, image_ref=image_ref)

        def work(step):
            # Still ours? Only then destroy the old guest.
            step(states.REBUILDING,
                 task_state=states.REBUILD_BLOCK_DEVICE_MAPPING)
            self.driver.destroy(instance)
            step(states.REBUILD_BLOCK_DEVICE_MAPPING,
                 task_state=states.REBUILD_SPAWNING)
            network_info = self.conductor.get_network_info(
                ctxt, instance['uuid'])
            try:
                self.driver.spawn(instance, image_meta, network_info,
                                  admin_password=admin_password,
                                  context=ctxt)
            except Exception:
                self._cleanup(instance)   # no half-made guest left behind
                raise
            end = {'vm_state': states.ACTIVE, 'power_state': states.RUNNING}
            if was_stopped:
                self.driver.power_off(instance, timeout=0,
                                      clean_shutdown=False)
                end = {'vm_state': states.STOPPED,
                       'power_state': states.SHUTDOWN}
            step(states.REBUILD_SPAWNING, task_state=None, image_ref=image_ref,
                 launched_at=build.utcnow_iso(), **end)
        self._run(ctxt, instance, 'compute_rebuild_instance', work,
                  [states.REBUILDING, states.REBUILD_BLOCK_DEVICE_MAPPING,
                   states.REBUILD_SPAWNING], error_state=states.ERROR)

    @rpc.expose
    @ownership.this_host_only()
    def snapshot_instance(self, ctxt, instance, image_id):
        """Upload the root disk into the queued image ``image_id``. If that
        fails the image is deleted: it would stay queued for ever."""
        uploaded = []

        def work(step):
            step(states.IMAGE_SNAPSHOT, task_state=states.IMAGE_PENDING_UPLOAD)
            step(states.IMAGE_PENDING_UPLOAD,
                 task_state=states.IMAGE_UPLOADING)
            self.driver.snapshot(ctxt, instance, image_id,
                                 self._images())
            uploaded.append(True)
            step(states.IMAGE_UPLOADING, task_state=None)
        ok = self._run(ctxt, instance, 'compute_snapshot_instance', work,
                       [states.IMAGE_SNAPSHOT, states.IMAGE_PENDING_UPLOAD,
                        states.IMAGE_UPLOADING])
        if not ok and not uploaded:
            self._delete_image(ctxt, image_id)

    @rpc.expose
    @rpc.expected_exceptions(exception.InstanceNotFound)
    @ownership.this_host_only(call=True)
    def get_console_output(self, ctxt, instance, tail_length=None):
        """The serial console log, its last ``tail_length`` lines when
        given (call). Takes no instance lock: a read must not wait for a
        soft reboot.

        :raises: InstanceNotFound when this host has no such domain, or
            the instance is assigned to another host.
        """
        return tail(self.driver.get_console_output(instance) or '',
                    tail_length)

    # -- helpers --------------------------------------------------------------
    def _images(self):
        """The Glance v2 client, made on first use (only snapshots need
        it)."""
        if self._image_client is None:
            from novalite.compute.image import client as image_client
            self._image_client = image_client.ImageClient(self.conf)
        return self._image_client

    def _simple(self, ctxt, instance, event, task_state, driver_call,
                vm_state, power_state):
        def work(step):
            driver_call(instance)
            step(task_state, vm_state=vm_state, power_state=power_state,
                 task_state=None)
        self._run(ctxt, instance, event, work, [task_state])

    def _run(self, ctxt, instance, event, work, task_states,
             error_state=None):
        """Run ``work(step)`` under the instance's lock, with the event
        recorded; ``step(expected, **updates)`` writes the next state.

        :param task_states: every task_state this action may leave behind
            (the revert only clears one of them).
        :param error_state: vm_state a failure leaves (default: unchanged).
        :returns: True when the work completed.
        """
        uuid = instance['uuid']

        def step(expected, **updates):
            try:
                return self.conductor.instance_update(
                    ctxt, uuid, updates, expected_task_state=expected)
            except _TAKEN_OVER as exc:
                raise _TakenOver(str(exc))

        with self.locks.hold(uuid):
            self._event(ctxt, 'start', uuid, event)
            try:
                work(step)
            except _TakenOver as exc:
                LOG.info('%s of instance %s stopped: %s', event, uuid,
                         rpc.message_of(exc))
                self._event(ctxt, 'finish', uuid, event, 'Error', str(exc))
                return False
            except Exception as exc:  # noqa: BLE001 -- revert, record
                tb = traceback.format_exc()
                LOG.exception('%s of instance %s failed', event, uuid)
                self._revert(ctxt, uuid, exc, tb, task_states, error_state)
                self._event(ctxt, 'finish', uuid, event, 'Error', tb)
                return False
            self._event(ctxt, 'finish', uuid, event, 'Success')
            LOG.info('%s of instance %s done', event, uuid)
            return True

    def _revert(self, ctxt, uuid, exc, tb, task_states, error_state):
        updates = {'task_state': None}
        if error_state:
            updates['vm_state'] = error_state
        ours = isinstance(exc, exception.NovaliteException)
        message = (exc.message if ours else str(exc)) or type(exc).__name__
        try:
            self.conductor.instance_update(
                ctxt, uuid, updates, expected_task_state=task_states,
                fault={'code': exc.code if ours else 500,
                       'message': message[:255], 'details': tb,
                       'host': self.conf.host})
        except _TAKEN_OVER:
            pass   # deleted or taken over meanwhile: not ours to revert
        except Exception:  # noqa: BLE001
            LOG.exception('cannot revert instance %s', uuid)

    def _event(self, ctxt, phase, uuid, event, result=None, tb=None):
        action_events.record(self.conductor, ctxt, phase, uuid, event,
                             host=self.conf.host, result=result, tb=tb)

    def _cleanup(self, instance):
        try:
            self.driver.destroy(instance)
        except Exception:  # noqa: BLE001 -- report, keep the first error
            LOG.exception('cannot clean up instance %s', instance['uuid'])

    def _delete_image(self, ctxt, image_id):
        try:
            self._images().delete(ctxt, image_id)
        except exception.ImageNotFound:
            pass
        except Exception:  # noqa: BLE001 -- the image stays queued
            LOG.exception('cannot delete image %s of a failed snapshot',
                          image_id)
