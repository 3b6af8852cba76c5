"""Compare-and-swap on an instance's task state holds on MariaDB and
PostgreSQL: two writers that both read the expected state cannot both
write (READ COMMITTED lets the second overwrite the first unless the row
is locked when read). In-process against private database servers."""

import threading

import pytest

from novalite.common import context as nl_context
from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception
from novalite.tests.functional import helpers


@pytest.fixture(params=['mysql', 'postgresql'])
def database(request, db_servers, tmp_path):
    yield from helpers.in_process_database(request.param, db_servers,
                                           tmp_path)


def _instance(ctx):
    uuid = '6f1a8e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b'
    with session.writer(ctx) as s:
        s.add(models.Instance(uuid=uuid, project_id='p', user_id='u',
                              vm_state='active', task_state=None,
                              power_state=1, flavor={}))
    return uuid


def test_two_writers_expecting_the_same_task_state(database, monkeypatch):
    ctx = nl_context.get_admin_context()
    uuid = _instance(ctx)
    # Both writers read the row before either writes (when the read does
    # not lock it); a locked read makes the second wait for the first.
    barrier = threading.Barrier(2, timeout=2)
    real_live = instances._live

    def live_then_meet(s, instance_uuid, for_update=False):
        row = real_live(s, instance_uuid, for_update=for_update)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return row
    monkeypatch.setattr(instances, '_live', live_then_meet)
    results = []

    def writer(task):
        try:
            instances.update(ctx, uuid, {'task_state': task},
                             expected_task_state=[None])
            results.append(task)
        except exception.UnexpectedTaskState:
            results.append('refused')

    threads = [threading.Thread(target=writer, args=(t,))
               for t in ('powering-off', 'rebooting')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results).count('refused') == 1, results


def test_concurrent_boots_on_one_network_all_get_an_address(database):
    """Ten boots at once on one network, as the chaos test's clients do:
    each picks the lowest free address, nine lose the race on the unique
    (network, address) key and try again. On MariaDB they used to lose in
    lockstep until one ran out of tries and the API answered 500
    DBDuplicateEntry. Every boot must get its own address."""
    from novalite.common.db import networks
    ctx = nl_context.get_admin_context()
    net = networks.create_network(ctx, 'race', '10.50.0.0/24')
    threads, errors, made = 10, [], []
    start = threading.Barrier(threads, timeout=10)

    def boot(worker):
        try:
            start.wait()
            for i in range(5):
                made.extend(instances.create_instances(
                    ctx, [{'display_name': 'w%d-%d' % (worker, i),
                           'project_id': 'p', 'user_id': 'u', 'flavor': {}}],
                    {}, [net['uuid']]))
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(repr(exc))
    pool = [threading.Thread(target=boot, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    assert errors == []
    ports = networks.get_ports_by_instances(ctx, [i['uuid'] for i in made])
    addresses = [p['address'] for ps in ports.values() for p in ps]
    assert len(made) == 50 and len(set(addresses)) == 50
