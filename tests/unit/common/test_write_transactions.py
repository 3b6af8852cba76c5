"""The hot writes of a boot and a delete hold only writes in their
transaction. On SQLite one writer at a time holds the database's write
lock, from its first statement to its commit, and every other writer of
every process waits: under load (boot+delete at concurrency 50), reads
and ORM round trips inside made each write hold the lock ~3 times as long
(doc/performance.md). Each test runs one write and fails if the writer
engine ran a SELECT, and checks the result a caller relies on."""

import contextlib

import pytest
import sqlalchemy

from novalite.common.db import instances
from novalite.common.db import placement
from novalite.common.db import recovery
from novalite.common.db import services
from novalite.common.db import session
from novalite.common import exception
from novalite.common import states
from novalite.tests.unit.common import test_placement_db


@contextlib.contextmanager
def writer_statements():
    """The statements the writer engine runs inside the block."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper())
    engine = session.get_engine()
    sqlalchemy.event.listen(engine, 'before_cursor_execute', record)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(engine, 'before_cursor_execute', record)


def _instance(ctx):
    (inst,) = instances.create_instances(
        ctx, [{'display_name': 'vm', 'flavor': {'vcpus': 1}}],
        {'num_instances': 1}, [], action='create')
    return inst


def test_guarded_update_with_an_event_and_a_fault(db, ctx):
    inst = _instance(ctx)
    with writer_statements() as seen:
        out = recovery.guarded_update(
            ctx, inst['uuid'], {'vm_state': states.ERROR, 'task_state': None},
            {'task_state': states.SCHEDULING},
            fault={'code': 500, 'message': 'boom'},
            action_event={'event': 'compute__schedule', 'phase': 'finish',
                          'result': 'Error'})
    assert 'SELECT' not in seen and 'UPDATE' in seen and 'INSERT' in seen
    assert (out['vm_state'], out['task_state']) == (states.ERROR, None)
    assert instances.get_latest_faults(ctx, [inst['uuid']])[
        inst['uuid']]['message'] == 'boom'
    (action,) = instances.actions_with_events(ctx, inst['uuid'])
    assert action['message'] == 'Error'
    assert [(e['event'], e['result']) for e in action['events']] == [
        ('compute__schedule', 'Error')]


def test_guarded_update_refused_names_the_state_found(db, ctx):
    inst = _instance(ctx)
    with pytest.raises(exception.UnexpectedTaskState) as err:
        recovery.guarded_update(ctx, inst['uuid'], {'task_state': None},
                                {'task_state': states.SPAWNING})
    assert 'scheduling' in str(err.value)
    assert instances.get(ctx, inst['uuid'])['task_state'] == \
        states.SCHEDULING


def test_update_with_expected_task_state(db, ctx):
    inst = _instance(ctx)
    with writer_statements() as seen:
        out = instances.update(ctx, inst['uuid'],
                               {'task_state': states.DELETING},
                               expected_task_state=[None, states.SCHEDULING])
    assert 'SELECT' not in seen
    assert out['task_state'] == states.DELETING
    with pytest.raises(exception.UnexpectedTaskState):
        instances.update(ctx, inst['uuid'], {'task_state': None},
                         expected_task_state=states.SCHEDULING)


def test_destroy(db, ctx):
    inst = _instance(ctx)
    with writer_statements() as seen:
        out = instances.destroy(ctx, inst['uuid'])
    assert 'SELECT' not in seen
    assert out['vm_state'] == states.DELETED and out['deleted'] == out['id']
    with pytest.raises(exception.InstanceNotFound):
        instances.destroy(ctx, inst['uuid'])


def test_scheduling_lease_with_its_event(db, ctx):
    inst = _instance(ctx)
    with writer_statements() as seen:
        assert recovery.claim_for_scheduling(
            ctx, [inst['uuid']], grace=60,
            event='conductor_schedule_and_build_instances') == [inst['uuid']]
    assert 'SELECT' not in seen
    (action,) = instances.actions_with_events(ctx, inst['uuid'])
    assert [(e['event'], e['finish_time']) for e in action['events']] == [
        ('conductor_schedule_and_build_instances', None)]


def test_heartbeat(db, admin_ctx):
    services.heartbeat(admin_ctx, 'h1', 'novalite-compute', 'compute')
    with writer_statements() as seen:
        row = services.heartbeat(admin_ctx, 'h1', 'novalite-compute')
    assert seen == ['UPDATE'] or seen == ['BEGIN', 'UPDATE']
    assert row['report_count'] == 2


def test_claim_of_a_consumer_in_no_group(db, admin_ctx):
    node = placement.compute_node_upsert(admin_ctx, 'h1', 'n1',
                                         test_placement_db.SMALL)
    with writer_statements() as seen:
        placement.claim(admin_ctx, 'c1', node['id'], node['generation'],
                        test_placement_db.ONE, grouped=False)
    # The usage check under the node's lock is the one read it needs.
    assert seen.count('SELECT') == 1
    assert placement.get_allocation(admin_ctx, 'c1')['vcpus'] == 1


def test_a_failed_read_after_the_write_is_retried_not_the_write(
        db, ctx, monkeypatch):
    """The row is read after the commit: a database blip on that read is
    waited out (as the write's own would be), and the compare-and-swap is
    not run again -- it would refuse the state it just wrote."""
    from oslo_db import exception as db_exc
    inst = _instance(ctx)
    real_get, fails = instances.get, []

    def flaky_get(c, uuid):
        if not fails:
            fails.append(uuid)
            raise db_exc.DBConnectionError('server has gone away')
        return real_get(c, uuid)
    monkeypatch.setattr(instances, 'get', flaky_get)
    out = recovery.guarded_update(ctx, inst['uuid'],
                                  {'task_state': states.SPAWNING},
                                  {'task_state': states.SCHEDULING})
    assert fails and out['task_state'] == states.SPAWNING
