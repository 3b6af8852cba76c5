"""Domain lifecycle events from libvirt, handed to the compute manager.

libvirt delivers events only through an event loop registered before the
first connection is opened; one thread per process runs it. Its callbacks
must return quickly (they block every other event and the keepalive of the
connection), so they only queue ``(uuid, power_state)``; a dispatcher
thread calls the handlers, which may make slow RPC calls.
"""

import queue
import threading

import libvirt
from oslo_log import log as logging

from novalite.common import states

LOG = logging.getLogger(__name__)

_LOOP_LOCK = threading.Lock()
_LOOP_STARTED = []

# Lifecycle event -> the power state it leaves the domain in. Nova maps the
# same five; the others (DEFINED, UNDEFINED, SHUTDOWN "in progress", ...)
# change no power state.
EVENT_POWER_STATES = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: states.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: states.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: states.POWER_PAUSED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: states.POWER_SUSPENDED,
}


def start_event_loop():
    """Register libvirt's default event loop and run it in a daemon thread
    (once per process). Call before opening any connection."""
    with _LOOP_LOCK:
        if _LOOP_STARTED:
            return
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_loop, name='libvirt-events',
                         daemon=True).start()
        _LOOP_STARTED.append(True)


def _run_loop():
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except Exception:  # noqa: BLE001 -- the loop must survive
            LOG.exception('libvirt event loop iteration failed')


class LifecycleDispatcher:
    """Queues lifecycle events of one connection and calls the registered
    ``handler(uuid, power_state)`` for each, in order, in its own thread."""

    def __init__(self):
        self._handlers = []
        self._queue = queue.Queue()
        self._thread = None
        self._lock = threading.Lock()

    def add_handler(self, handler):
        with self._lock:
            self._handlers.append(handler)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._dispatch, name='lifecycle-dispatch',
                    daemon=True)
                self._thread.start()

    def register(self, conn):
        """Subscribe to ``conn``'s lifecycle events; returns the callback
        id for :meth:`deregister`."""
        return conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_event, None)

    @staticmethod
    def deregister(conn, callback_id):
        try:
            conn.domainEventDeregisterAny(callback_id)
        except libvirt.libvirtError:
            pass   # the connection is already gone

    def _on_event(self, _conn, dom, event, detail, _opaque):
        # libvirt's event thread: queue and return.
        power_state = EVENT_POWER_STATES.get(event)
        if power_state is None:
            return
        try:
            uuid = dom.UUIDString()
        except libvirt.libvirtError:
            return
        LOG.debug('lifecycle event %s/%s of domain %s', event, detail, uuid)
        if self._handlers:
            self._queue.put((uuid, power_state))

    def _dispatch(self):
        while True:
            uuid, power_state = self._queue.get()
            for handler in list(self._handlers):
                try:
                    handler(uuid, power_state)
                except Exception:  # noqa: BLE001 -- next event regardless
                    LOG.exception('lifecycle handler failed for %s', uuid)
