"""Power actions on an instance's domain: stop, start, soft and hard
reboot, pause, suspend (managed save) and the console log. Mixed into
:class:`driver.LibvirtDriver`; the domain stays defined throughout."""

import time

import libvirt
from oslo_log import log as logging

from novalite.common import exception
from novalite.common import states
from novalite.compute.virt.libvirt import storage

LOG = logging.getLogger(__name__)

# While waiting for an ACPI shutdown, ask again this often: a guest still
# booting may have missed the first request (Nova does the same).
SHUTDOWN_RETRY_INTERVAL = 10
POLL_INTERVAL = 0.2


class PowerActionsMixin:
    """Uses self.host, self.conf, self.instances_path, self._stop,
    self._wait_running, self._expect and self._remember of the driver."""

    def _domain(self, instance):
        dom = self.host.lookup(instance['uuid'])
        if dom is None:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])
        return dom

    @staticmethod
    def _state(dom):
        return dom.state()[0]

    def _clean_shutdown(self, dom, timeout):
        """ACPI shutdown, then wait up to ``timeout`` s for the guest to
        power off. True if it did."""
        if not dom.isActive():
            return True
        if self._state(dom) != libvirt.VIR_DOMAIN_RUNNING:
            return False   # a paused guest cannot see the ACPI event
        deadline = time.monotonic() + timeout
        next_request = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_request:
                try:
                    dom.shutdown()
                except libvirt.libvirtError:
                    if not dom.isActive():
                        return True
                    raise
                next_request = time.monotonic() + SHUTDOWN_RETRY_INTERVAL
            if not dom.isActive():
                return True
            time.sleep(POLL_INTERVAL)
        return not dom.isActive()

    def power_off(self, instance, timeout=None, clean_shutdown=True):
        """Stop the guest: ACPI shutdown and wait up to ``timeout`` s
        (``[compute] shutdown_timeout`` when None), then destroy it. The
        domain stays defined; a managed save image is dropped, so the next
        start boots afresh."""
        dom = self._domain(instance)
        if timeout is None:
            timeout = self.conf.compute.shutdown_timeout
        self._expect(instance, states.SHUTDOWN)
        if dom.isActive():
            if not (clean_shutdown and timeout and
                    self._clean_shutdown(dom, timeout)):
                if clean_shutdown and timeout:
                    LOG.warning('instance %s did not shut down within %ss; '
                                'destroying it', instance['uuid'], timeout)
                self._stop(dom)
        if dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)
        self._remember(instance)
        LOG.info('instance %s powered off', instance['uuid'])

    def power_on(self, instance):
        """Start the defined domain (restoring a managed save if any)."""
        dom = self._domain(instance)
        self._expect(instance, states.RUNNING)
        if not dom.isActive():
            dom.createWithFlags(0)
        self._wait_running(dom, instance['uuid'])
        self._remember(instance)

    def reboot(self, instance, reboot_type):
        """SOFT: ACPI shutdown, wait ``[libvirt] wait_soft_reboot_seconds``,
        start again; a guest that ignores it (or is not running) gets a
        HARD reboot: destroy and start, dropping any managed save."""
        dom = self._domain(instance)
        uuid = instance['uuid']
        self._expect(instance, states.RUNNING)
        if (reboot_type or '').upper() == 'SOFT':
            running = (dom.isActive() and
                       self._state(dom) == libvirt.VIR_DOMAIN_RUNNING)
            if running and self._clean_shutdown(
                    dom, self.conf.libvirt.wait_soft_reboot_seconds):
                dom.createWithFlags(0)
                self._wait_running(dom, uuid)
                self._remember(instance)
                LOG.info('instance %s soft rebooted', uuid)
                return
            LOG.warning('soft reboot of instance %s failed; rebooting hard',
                        uuid)
        self._stop(dom)
        if dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)
        dom.createWithFlags(0)
        self._wait_running(dom, uuid)
        self._remember(instance)
        LOG.info('instance %s hard rebooted', uuid)

    def pause(self, instance):
        dom = self._domain(instance)
        self._expect(instance, states.POWER_PAUSED)
        dom.suspend()
        self._remember(instance)

    def unpause(self, instance):
        dom = self._domain(instance)
        self._expect(instance, states.RUNNING)
        dom.resume()
        self._remember(instance)

    def suspend(self, instance):
        """Save the guest's memory to disk and stop it (managed save)."""
        dom = self._domain(instance)
        self._expect(instance, states.SHUTDOWN)
        dom.managedSave(0)
        self._remember(instance)

    def resume(self, instance):
        """Restore a suspended guest from its managed save."""
        self.power_on(instance)

    def get_console_output(self, instance, tail_length=None):
        """The serial console log ('' when there is none, e.g. on the test
        hypervisor); the last ``tail_length`` lines when given.

        :raises: InstanceNotFound when this host has no such domain.
        """
        self._domain(instance)
        return storage.read_console_log(
            storage.console_log_path(self.instances_path, instance['uuid']),
            tail_length)
