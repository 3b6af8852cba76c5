import time

import pytest
from sqlalchemy import func, select

from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import networks
from novalite.common.db import session
from novalite.common import exception


def _count(ctx, model):
    with session.reader(ctx) as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def _boot(ctx, n=1, nets=None):
    return instances.create_instances(
        ctx, [{'display_name': 'vm%d' % i, 'flavor': {'flavorid': '1'},
               'launch_index': i, 'metadata': {'k': 'v'}} for i in range(n)],
        {'num_instances': n}, nets or [])


def test_create_writes_everything_in_one_go(db, ctx):
    net = networks.ensure_default(ctx)
    made = _boot(ctx, 2, [net['uuid']])
    assert [i['vm_state'] for i in made] == ['building', 'building']
    assert made[0]['task_state'] == 'scheduling'
    assert made[0]['metadata'] == {'k': 'v'}
    assert made[0]['project_id'] == 'p1'
    assert instances.request_spec_get(ctx, made[1]['uuid']) == {
        'num_instances': 2}
    ports = networks.get_ports_by_instances(ctx, [m['uuid'] for m in made])
    assert sorted(p[0]['address'] for p in ports.values()) == [
        '10.0.0.2', '10.0.0.3']
    assert [a['action'] for a in instances.actions_get(
        ctx, made[0]['uuid'])] == ['create']


def test_create_rolls_back_on_unknown_network(db, ctx):
    with pytest.raises(exception.NetworkNotFound):
        _boot(ctx, 2, ['no-such-net'])
    for model in (models.Instance, models.RequestSpec, models.Port,
                  models.InstanceAction):
        assert _count(ctx, model) == 0


def test_update_checks_expected_task_state(db, ctx):
    inst = _boot(ctx)[0]
    with pytest.raises(exception.UnexpectedTaskState):
        instances.update(ctx, inst['uuid'], {'task_state': 'spawning'},
                         expected_task_state='networking')
    assert instances.get(ctx, inst['uuid'])['task_state'] == 'scheduling'
    out = instances.update(ctx, inst['uuid'],
                           {'task_state': None, 'vm_state': 'active',
                            'launched_at': '2024-01-02T03:04:05Z',
                            'metadata': {'a': 'b'}},
                           expected_task_state=['spawning', 'scheduling'])
    assert out['vm_state'] == 'active' and out['metadata'] == {'a': 'b'}
    assert out['launched_at'].year == 2024
    # None as a member means "no task in progress".
    again = instances.update(ctx, inst['uuid'], {'task_state': 'deleting'},
                             expected_task_state=[None])
    assert again['task_state'] == 'deleting'


def test_error_and_its_fault_are_written_together_or_not_at_all(db, ctx):
    # Regression: ERROR used to be written before its fault, so a GET in
    # between showed an ERROR server without one.
    inst = _boot(ctx)[0]
    fault = {'code': 500, 'message': 'No valid host was found. ',
             'details': None, 'host': None}
    with pytest.raises(exception.UnexpectedTaskState):
        instances.update(ctx, inst['uuid'], {'vm_state': 'error'},
                         expected_task_state='spawning', fault=fault)
    assert instances.get_latest_faults(ctx, [inst['uuid']]) == {}
    assert instances.get(ctx, inst['uuid'])['vm_state'] == 'building'
    instances.update(ctx, inst['uuid'], {'vm_state': 'error',
                                         'task_state': None},
                     expected_task_state='scheduling', fault=fault)
    got = instances.get_latest_faults(ctx, [inst['uuid']])[inst['uuid']]
    assert got['message'] == 'No valid host was found. '
    assert instances.get(ctx, inst['uuid'])['vm_state'] == 'error'


def test_destroy_frees_allocation_and_ports(db, ctx, admin_ctx):
    net = networks.ensure_default(ctx)
    inst = _boot(ctx, 1, [net['uuid']])[0]
    with session.writer(admin_ctx) as s:
        node = models.ComputeNode(uuid='cn', host='h', hypervisor_hostname='h')
        s.add(node)
        s.flush()
        s.add(models.Allocation(consumer_uuid=inst['uuid'],
                                compute_node_id=node.id, vcpus=1,
                                memory_mb=512, disk_gb=1))
    gone = instances.destroy(ctx, inst['uuid'])
    assert gone['vm_state'] == 'deleted' and gone['deleted'] == gone['id']
    assert _count(ctx, models.Allocation) == 0
    assert networks.get_instance_ports(ctx, inst['uuid']) == []
    with pytest.raises(exception.InstanceNotFound):
        instances.get(ctx, inst['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        instances.destroy(ctx, inst['uuid'])
    assert instances.get_all(ctx) == []


def test_get_all_filters_and_pages(db, ctx):
    made = _boot(ctx, 3)
    newest_first = [i['uuid'] for i in instances.get_all(ctx)]
    assert sorted(newest_first) == sorted(m['uuid'] for m in made)
    page = instances.get_all(ctx, limit=2)
    rest = instances.get_all(ctx, marker=page[-1]['uuid'])
    assert [i['uuid'] for i in page + rest] == newest_first
    assert [i['display_name'] for i in
            instances.get_all(ctx, {'name': 'vm[12]'})] == ['vm2', 'vm1']
    assert instances.get_all(ctx, {'project_id': 'other'}) == []
    with pytest.raises(exception.Invalid):
        instances.get_all(ctx, marker='nope')


def test_faults_latest_per_instance(db, ctx):
    a, b = _boot(ctx, 2)
    instances.fault_create(ctx, a['uuid'], 500, 'first')
    instances.fault_create(ctx, a['uuid'], 500, 'No valid host was found')
    faults = instances.get_latest_faults(ctx, [a['uuid'], b['uuid']])
    assert faults[a['uuid']]['message'] == 'No valid host was found'
    assert b['uuid'] not in faults


def test_action_events_attach_to_request(db, ctx):
    inst = _boot(ctx)[0]
    instances.action_event_start(ctx, inst['uuid'], ctx.request_id,
                                 'compute_build_and_run_instance', host='h')
    ev = instances.action_event_finish(ctx, inst['uuid'], ctx.request_id,
                                       'compute_build_and_run_instance',
                                       'Error', traceback='tb')
    assert ev['result'] == 'Error' and ev['finish_time'] is not None
    actions = instances.actions_get(ctx, inst['uuid'])
    assert len(actions) == 1 and actions[0]['message'] == 'Error'
    # unknown request id: an action named after the event is created
    instances.action_event_start(ctx, inst['uuid'], 'req-other', 'evt')
    assert instances.actions_get(ctx, inst['uuid'])[0]['action'] == 'evt'


def test_get_all_by_host_only_live(db, ctx):
    a, b = _boot(ctx, 2)
    instances.update(ctx, a['uuid'], {'host': 'h1'})
    instances.update(ctx, b['uuid'], {'host': 'h1'})
    instances.destroy(ctx, b['uuid'])
    assert [i['uuid'] for i in instances.get_all_by_host(ctx, 'h1')] == [
        a['uuid']]


class _Matcher:
    """A name filter that records which names it was asked about."""

    def __init__(self, literal, pattern):
        self.literal = literal
        self.pattern = pattern
        self.asked = []

    def search(self, name):
        self.asked.append(name)
        return self.pattern in name


def test_name_filter_prefilters_in_sql_and_stops_at_limit(db, ctx,
                                                          monkeypatch):
    monkeypatch.setattr(instances, 'NAME_SCAN_BATCH', 2)
    instances.create_instances(ctx, [
        {'display_name': n, 'flavor': {}} for n in
        ('web1', 'db1', 'web2', 'db_2', 'web3', 'web4', '50%')], {}, [])
    web = _Matcher('web', 'web')
    found = instances.get_all(ctx, {'name': web}, limit=3)
    assert [i['display_name'] for i in found] == ['web4', 'web3', 'web2']
    # Only rows LIKE '%web%' reached Python, and only until 3 matched.
    assert web.asked == ['web4', 'web3', 'web2']
    # Batches continue past the first page; the marker still applies.
    rest = instances.get_all(ctx, {'name': _Matcher('web', 'web')},
                             marker=found[-1]['uuid'])
    assert [i['display_name'] for i in rest] == ['web1']
    # LIKE wildcards in the literal are plain characters.
    underscore = _Matcher('_', '_')
    assert [i['display_name'] for i in instances.get_all(
        ctx, {'name': underscore})] == ['db_2']
    assert underscore.asked == ['db_2']
    assert instances.get_all(ctx, {'name': underscore}, limit=0) == []
    assert [i['display_name'] for i in instances.get_all(
        ctx, {'name': _Matcher('%', '%')})] == ['50%']


def test_name_filter_past_its_deadline_is_invalid(db, ctx):
    _boot(ctx, 3)
    with pytest.raises(exception.Invalid) as err:
        instances.get_all(ctx, {'name': _Matcher(None, 'nomatch')},
                          deadline=time.monotonic() - 1)
    assert 'took too long' in str(err.value)


def test_update_and_start_action_is_one_transaction(db, ctx):
    inst = _boot(ctx)[0]
    with pytest.raises(exception.UnexpectedTaskState):
        instances.update_and_start_action(
            ctx, inst['uuid'], {'task_state': 'rebuilding',
                                'image_ref': 'new'}, 'rebuild',
            expected_task_state=[None])
    assert instances.get(ctx, inst['uuid'])['image_ref'] == inst['image_ref']
    assert [a['action'] for a in instances.actions_get(
        ctx, inst['uuid'])] == ['create']
    instances.update(ctx, inst['uuid'], {'task_state': None})
    before, after = instances.update_and_start_action(
        ctx, inst['uuid'], {'task_state': 'rebuilding', 'image_ref': 'new'},
        'rebuild', expected_task_state=[None])
    assert (before['image_ref'], after['image_ref']) == (inst['image_ref'],
                                                         'new')
    assert [a['action'] for a in instances.actions_get(
        ctx, inst['uuid'])] == ['rebuild', 'create']
