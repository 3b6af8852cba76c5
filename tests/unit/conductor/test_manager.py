"""The conductor endpoint driven through its real RPC client over the
fake:// transport, served as the service serves it (exposed methods only),
so argument names must match conductor/rpcapi.py."""

import pytest

from novalite.common.db import instances as instances_db
from novalite.common.db import placement
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import rpc
from novalite.common import service
from novalite.common import states
from novalite.conductor import manager
from novalite.conductor import rpcapi
from novalite.tests.unit.conductor import test_build
from novalite.tests.unit.scheduler import fakes


@pytest.fixture
def compute():
    return test_build.RecordingCompute()


@pytest.fixture
def conductor(db, compute):
    mgr = manager.ConductorManager(
        db, scheduler_client=test_build.LocalScheduler(db),
        compute_client=compute)
    server = service.rpc_server(db, rpcapi.TOPIC, rpcapi.RPC_API_VERSION,
                                mgr)
    server.start()
    yield rpcapi.ConductorAPI(db)
    server.stop()
    server.wait()


def test_instance_update_checks_expected_task_state(conductor, ctx):
    (uuid,), _spec = test_build._boot(ctx)
    with pytest.raises(exception.UnexpectedTaskState):
        conductor.instance_update(ctx, uuid, {'task_state': 'spawning'},
                                  expected_task_state='networking')
    inst = conductor.instance_update(ctx, uuid,
                                     {'task_state': states.NETWORKING},
                                     expected_task_state=states.SCHEDULING)
    assert inst['task_state'] == states.NETWORKING
    # Without expected_task_state nothing is checked.
    inst = conductor.instance_update(ctx, uuid, {'vm_state': states.ACTIVE})
    assert inst['vm_state'] == states.ACTIVE
    with pytest.raises(exception.InstanceNotFound):
        conductor.instance_update(ctx, 'nope', {'vm_state': 'active'})


def test_destroy_and_list_by_host(conductor, ctx):
    (uuid,), _spec = test_build._boot(ctx)
    conductor.instance_update(ctx, uuid, {'host': 'h9'})
    assert [i['uuid'] for i in
            conductor.instance_get_all_by_host(ctx, 'h9')] == [uuid]
    conductor.instance_destroy(ctx, uuid)
    assert conductor.instance_get_all_by_host(ctx, 'h9') == []


def test_instance_get_by_uuids_reads_deleted_on_request(conductor, ctx):
    (live, gone), _spec = test_build._boot(ctx, n=2)
    conductor.instance_update(ctx, live, {'host': 'h1'})
    conductor.instance_destroy(ctx, gone)
    unknown = '00000000-0000-0000-0000-000000000000'
    rows = conductor.instance_get_by_uuids(ctx, [live, gone, unknown])
    assert [(r['uuid'], r['host']) for r in rows] == [(live, 'h1')]
    rows = conductor.instance_get_by_uuids(ctx, [gone, live, unknown],
                                           read_deleted='yes')
    by_uuid = {r['uuid']: r for r in rows}
    assert set(by_uuid) == {live, gone}
    assert by_uuid[gone]['deleted'] and \
        by_uuid[gone]['vm_state'] == states.DELETED
    assert by_uuid[live]['deleted'] == 0
    assert conductor.instance_get_by_uuids(ctx, []) == []
    with pytest.raises(exception.Invalid):
        conductor.instance_get_by_uuids(ctx, [live], read_deleted='only')


@pytest.mark.parametrize('method', [
    'instance_fault_create',      # dropped from the API in 1.3
    'scheduler_client', 'compute_client', 'conf'])
def test_only_the_rpc_api_is_callable(conductor, ctx, method):
    with pytest.raises(rpc.NoSuchMethod):
        conductor.client.prepare(version='1.0').call(ctx, method)


def test_action_events_use_request_id(conductor, ctx):
    (uuid,), _spec = test_build._boot(ctx)
    conductor.action_event_start(ctx, uuid, 'compute_build_and_run_instance',
                                 host='h1')
    conductor.action_event_finish(ctx, uuid,
                                  'compute_build_and_run_instance', 'Success')
    assert test_build._events(ctx, uuid) == [
        ('compute_build_and_run_instance', 'Success')]


def test_compute_node_update_and_heartbeat(conductor, admin_ctx, db):
    node = conductor.compute_node_update(admin_ctx, 'h1', 'h1',
                                         dict(fakes.NODE, vcpus=16))
    assert placement.get_node_by_uuid(admin_ctx, node['uuid'])['vcpus'] == 16
    conductor.service_heartbeat(admin_ctx, 'h1', 'novalite-compute',
                                'novalite-compute')
    (svc,) = services_db.get_all(admin_ctx, binary='novalite-compute')
    assert services_db.is_up(svc, db.service_down_time)


def test_schedule_and_build_cast_reaches_compute(conductor, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    uuids, spec = test_build._boot(ctx)
    conductor.schedule_and_build_instances(ctx, uuids, spec)
    # A call after the cast returns once the cast was processed (one
    # executor thread per message, in order on the fake driver).
    for _ in range(200):
        if compute.builds:
            break
        conductor.instance_get_all_by_host(ctx, 'h1')
    assert [b['host'] for b in compute.builds] == ['h1']


def test_allocation_free_drops_an_aborted_builds_claim(conductor, ctx,
                                                        admin_ctx):
    (uuid,), _spec = test_build._boot(ctx)
    node = placement.compute_node_upsert(admin_ctx, 'h1', 'h1', {
        'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40})
    placement.claim(admin_ctx, uuid, node['id'], node['generation'],
                    {'vcpus': 1, 'memory_mb': 512, 'disk_gb': 1})
    assert conductor.allocation_free(ctx, uuid) is True
    assert placement.get_allocation(admin_ctx, uuid) is None
    assert conductor.allocation_free(ctx, uuid) is False


def test_instance_update_with_fault_over_rpc(conductor, ctx):
    (uuid,), _spec = test_build._boot(ctx)
    inst = conductor.instance_update(
        ctx, uuid, {'vm_state': states.ERROR, 'task_state': None},
        expected_task_state=states.SCHEDULING,
        fault={'code': 500, 'message': 'spawn failed', 'details': 'tb',
               'host': 'h1'})
    assert inst['vm_state'] == states.ERROR
    fault = instances_db.get_latest_faults(ctx, [uuid])[uuid]
    assert (fault['message'], fault['details'], fault['host']) == (
        'spawn failed', 'tb', 'h1')


def _placed(conductor, ctx):
    (uuid,), _spec = test_build._boot(ctx)
    conductor.instance_update(ctx, uuid, {'host': 'h1'})
    return uuid


def test_a_build_step_and_its_event_are_one_write(conductor, ctx):
    """1.6: the compute agent's state change carries the action event."""
    uuid = _placed(conductor, ctx)
    event = 'compute_build_and_run_instance'
    conductor.instance_update(
        ctx, uuid, {'task_state': states.SPAWNING},
        expected_task_state=states.SCHEDULING, expected_host='h1',
        action_event={'event': event, 'phase': 'start', 'host': 'h1'})
    assert test_build._events(ctx, uuid) == [(event, None)]
    inst = conductor.instance_update(
        ctx, uuid, {'task_state': None, 'vm_state': states.ACTIVE},
        expected_task_state=states.SPAWNING, expected_host='h1',
        action_event={'event': event, 'phase': 'finish', 'host': 'h1',
                      'result': 'Success'})
    assert inst['vm_state'] == states.ACTIVE
    assert test_build._events(ctx, uuid) == [(event, 'Success')]


def test_a_refused_step_records_no_event(conductor, ctx):
    uuid = _placed(conductor, ctx)
    with pytest.raises(exception.UnexpectedTaskState):
        conductor.instance_update(
            ctx, uuid, {'task_state': states.SPAWNING},
            expected_task_state=states.SCHEDULING, expected_host='h2',
            action_event={'event': 'x', 'phase': 'start'})
    assert test_build._events(ctx, uuid) == []


@pytest.mark.parametrize('event', [
    'start', ['event'], {'event': 'x', 'phase': 'explode'},
    {'event': 'x', 'phase': 'start', 'result': {'$gt': 1}},
    {'event': '', 'phase': 'start'}, {'event': 'x' * 300, 'phase': 'start'},
    {'event': 'x', 'phase': 'start', 'action_id': 1}])
def test_a_malformed_event_from_rpc_is_dropped_not_the_update(
        conductor, ctx, event):
    """Hostile RPC input: the state change still happens; nothing odd is
    written as history."""
    uuid = _placed(conductor, ctx)
    inst = conductor.instance_update(
        ctx, uuid, {'task_state': states.SPAWNING},
        expected_task_state=states.SCHEDULING, expected_host='h1',
        action_event=event)
    assert inst['task_state'] == states.SPAWNING
    assert test_build._events(ctx, uuid) == []


def test_interrupted_build_cast_at_1_7_may_return_to_its_host(
        conductor, compute, db, ctx):
    """build_instances(exclude_failed_host=False) over RPC (1.7): the one
    host whose agent restarted gets the build back."""
    import time
    cast, _spec = test_build._scheduled(db, ctx, compute, hosts=('h1',))
    uuid = cast['instance']['uuid']
    instances_db.update(ctx, uuid, {'task_state': states.SPAWNING})
    conductor.build_instances(ctx, cast['instance'], None, None, 'h1',
                              'agent restarted', exclude_failed_host=False)
    deadline = time.time() + 10
    while len(compute.builds) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert [b['host'] for b in compute.builds] == ['h1', 'h1']
    assert instances_db.get(ctx, uuid)['vm_state'] == states.BUILDING
