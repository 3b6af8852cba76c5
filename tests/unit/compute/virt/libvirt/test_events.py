"""Lifecycle event queueing: bounded, one pending event per domain (the
latest), dispatched in its own thread; real libvirt events from the test
hypervisor reach the handler."""

import threading
import time

from novalite.common import states
from novalite.compute.virt.libvirt import events
from novalite.tests.unit.compute import fakes


def test_queue_keeps_the_latest_value_per_key_in_first_arrival_order():
    q = events.CoalescingQueue(maxsize=10)
    for key, value in (('a', 1), ('b', 1), ('a', 2), ('a', 3)):
        assert q.put(key, value)
    assert len(q) == 2
    assert q.get(0) == ('a', 3)
    assert q.get(0) == ('b', 1)
    assert q.get(0.01) is None


def test_queue_is_bounded_but_a_waiting_key_is_still_updated():
    q = events.CoalescingQueue(maxsize=2)
    assert q.put('a', 1) and q.put('b', 1)
    assert not q.put('c', 1)             # full: a new domain is refused
    assert q.put('a', 4)                 # ...an update of a waiting one not
    assert [q.get(0), q.get(0)] == [('a', 4), ('b', 1)]


def _blocked_dispatcher(maxsize=events.MAX_PENDING):
    """A dispatcher whose handler blocks on its first event until released,
    so what queues behind it can be observed."""
    seen, first, release = [], threading.Event(), threading.Event()

    def handler(uuid, power_state):
        seen.append((uuid, power_state))
        first.set()
        release.wait(5)
    dispatcher = events.LifecycleDispatcher(maxsize=maxsize)
    dispatcher.add_handler(handler)
    return dispatcher, seen, first, release


def test_a_burst_for_one_domain_is_one_dispatch_of_its_latest_state():
    dispatcher, seen, first, release = _blocked_dispatcher()
    dispatcher.queue_event('busy', states.RUNNING)
    assert first.wait(5)
    for i in range(1000):
        dispatcher.queue_event('u1', (states.RUNNING, states.SHUTDOWN)[i % 2])
    dispatcher.queue_event('u2', states.POWER_PAUSED)
    dispatcher.queue_event('u1', states.SHUTDOWN)
    assert len(dispatcher._queue) == 2
    release.set()
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert seen == [('busy', states.RUNNING), ('u1', states.SHUTDOWN),
                    ('u2', states.POWER_PAUSED)]


def test_a_flood_of_domains_is_bounded(caplog):
    dispatcher, _seen, first, release = _blocked_dispatcher(maxsize=5)
    dispatcher.queue_event('busy', states.RUNNING)
    assert first.wait(5)
    accepted = [dispatcher.queue_event('u%d' % i, states.RUNNING)
                for i in range(50)]
    assert accepted.count(True) == 5
    assert len(dispatcher._queue) == 5
    assert 'dropping the event of u5' in caplog.text
    release.set()


def test_libvirt_events_reach_the_handler(driver):
    got = []
    driver.register_lifecycle_handler(lambda u, p: got.append((u, p)))
    inst = fakes.make_instance(id=81)
    driver.spawn(inst, None, [])
    driver.host.lookup(inst['uuid']).destroy()
    deadline = time.monotonic() + 5
    while ((inst['uuid'], states.SHUTDOWN) not in got and
           time.monotonic() < deadline):
        time.sleep(0.01)
    assert (inst['uuid'], states.SHUTDOWN) in got
