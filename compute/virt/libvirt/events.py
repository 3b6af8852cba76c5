"""Domain lifecycle events from libvirt, handed to the compute manager.

libvirt delivers events only through an event loop registered before the
first connection is opened; one thread per process runs it. Its callbacks
must return quickly (they block every other event and the keepalive of the
connection), so they only queue ``(uuid, power_state)``; a dispatcher
thread calls the handlers, which may make slow RPC calls.

The queue holds at most one pending event per domain (the latest: the
handler reads the state again from libvirt anyway), so a burst of events
for one guest costs one dispatch, and at most ``MAX_PENDING`` domains: a
flood beyond that is dropped with a warning (the periodic power-state sync
catches up), never growing memory without bound.
"""

import collections
import threading

import libvirt
from oslo_log import log as logging

from novalite.common import states

LOG = logging.getLogger(__name__)

_LOOP_LOCK = threading.Lock()
_LOOP_STARTED = []

# Domains with an event waiting for the dispatcher (one entry each).
MAX_PENDING = 1024

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


class CoalescingQueue:
    """A FIFO of ``(key, value)`` holding one entry per key: putting a key
    already waiting replaces its value in place. Bounded: a new key beyond
    ``maxsize`` is refused (put returns False). Thread-safe."""

    def __init__(self, maxsize=MAX_PENDING):
        self.maxsize = maxsize
        self._items = collections.OrderedDict()
        self._cond = threading.Condition()

    def put(self, key, value):
        with self._cond:
            if key not in self._items and len(self._items) >= self.maxsize:
                return False
            self._items[key] = value
            self._cond.notify()
            return True

    def get(self, timeout=None):
        """The oldest waiting ``(key, value)``; None after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items, timeout):
                return None
            return self._items.popitem(last=False)

    def __len__(self):
        with self._cond:
            return len(self._items)


class LifecycleDispatcher:
    """Queues lifecycle events of one connection and calls the registered
    ``handler(uuid, power_state)`` for each domain's latest event, oldest
    domain first, in its own thread."""

    def __init__(self, maxsize=MAX_PENDING):
        self._handlers = []
        self._queue = CoalescingQueue(maxsize)
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
            self.queue_event(uuid, power_state)

    def queue_event(self, uuid, power_state):
        """Queue (or coalesce) one event; False if dropped (queue full)."""
        if self._queue.put(uuid, power_state):
            return True
        LOG.warning('%d domains have lifecycle events waiting; dropping '
                    'the event of %s (the power-state sync will see it)',
                    self._queue.maxsize, uuid)
        return False

    def _dispatch(self):
        while True:
            uuid, power_state = self._queue.get()
            for handler in list(self._handlers):
                try:
                    handler(uuid, power_state)
                except Exception:  # noqa: BLE001 -- next event regardless
                    LOG.exception('lifecycle handler failed for %s', uuid)
