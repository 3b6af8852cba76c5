"""``GET /servers/{id}?wait_for=STATUS[,STATUS...]``: a novalite extension
for clients that wait for a server (benchmarks, CI scripts). Nova ignores
the parameter and answers at once, so a client may always send it and
keep polling when the answer is not yet what it waits for.

The show is answered once the server has one of the statuses with no task
in progress, is in ERROR, or is gone (what ``wait_for=DELETED`` waits
for) -- or after ``[api] wait_max_seconds``
with the server as it is then. Waiting requests share one watcher thread
per API process, which reads the state of every waited-on server in one
narrow query each ``INTERVAL`` seconds, on a connection of its own, and wakes the requests whose server
changed: a hundred waiters cost the database what one does, and far less
than a hundred polling clients cost the API. At most ``[api]
wait_max_waiters`` requests wait at once (each holds an HTTP server
thread); past that the answer is immediate.
"""

import threading
import time

from oslo_log import log as logging

from novalite.api import faults
from novalite.common.db import instances as instances_db
from novalite.common import states

LOG = logging.getLogger(__name__)

INTERVAL = 0.005
# Statuses a client may wait for (Nova's API statuses, stable ones).
# DELETED: until the server is gone (the answer is then a 404), for
# clients that wait for a delete.
STATUSES = frozenset(['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'ERROR',
                      'DELETED'])
_MAX_PARAM = 100


def parse(value):
    """The statuses a ``wait_for`` value names; 400 for anything else."""
    wanted = {v.strip().upper() for v in value[:_MAX_PARAM + 1].split(',')}
    wanted.discard('')
    if len(value) > _MAX_PARAM or not wanted or not wanted <= STATUSES:
        raise faults.Fault(400, "Invalid wait_for value: expected a comma "
                           "separated list of %s." % ', '.join(
                               sorted(STATUSES)))
    return frozenset(wanted)


def settled(state, wanted):
    """Whether a waiter on ``wanted`` is done with ``state`` ((vm_state,
    task_state), or None when the server is gone)."""
    if state is None:
        return True
    status = states.api_status(*state)
    return status == 'ERROR' or (status in wanted and state[1] is None)


class _Watcher:
    """One thread per process polling the waited-on servers' states."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters = {}        # uuid -> [(wanted, event)]
        self._thread = None

    def count(self):
        with self._lock:
            return sum(len(w) for w in self._waiters.values())

    def wait(self, uuid, wanted, timeout):
        event = threading.Event()
        entry = (wanted, event)
        with self._lock:
            self._waiters.setdefault(uuid, []).append(entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name='server-wait', daemon=True)
                self._thread.start()
        try:
            event.wait(timeout)
        finally:
            with self._lock:
                left = [e for e in self._waiters.get(uuid, ())
                        if e is not entry]
                if left:
                    self._waiters[uuid] = left
                else:
                    self._waiters.pop(uuid, None)

    def _run(self):
        reader = instances_db.StateReader()
        try:
            self._poll(reader)
        finally:
            reader.close()

    def _poll(self, reader):
        while True:
            with self._lock:
                if not self._waiters:
                    self._thread = None
                    return
                waited = {u: list(w) for u, w in self._waiters.items()}
            try:
                found = reader.states(list(waited))
            except Exception:  # noqa: BLE001 -- waiters time out; try again
                LOG.exception('cannot read the states of waited-on servers')
                time.sleep(0.5)
                continue
            for uuid, entries in waited.items():
                for wanted, event in entries:
                    if settled(found.get(uuid), wanted):
                        event.set()
            time.sleep(INTERVAL)


_WATCHER = _Watcher()


def wait(conf, inst, wanted):
    """Hold the request until ``inst`` settles for ``wanted`` (see the
    module's docstring); returns without waiting when it already has,
    when waiting is off or when too many requests wait already."""
    limit = conf.api.wait_max_seconds
    if not limit or settled((inst['vm_state'], inst['task_state']), wanted):
        return
    if _WATCHER.count() >= conf.api.wait_max_waiters:
        return
    _WATCHER.wait(inst['uuid'], wanted, limit)
