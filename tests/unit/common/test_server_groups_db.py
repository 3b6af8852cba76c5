"""common/db/server_groups.py: groups, members, the guard of a claim."""

import pytest

from novalite.common.db import instances
from novalite.common.db import placement
from novalite.common.db import server_groups as groups_db
from novalite.common.db import session
from novalite.tests.unit.scheduler import fakes


def _group(ctx, policy='anti-affinity', project='p1', user='alice'):
    return groups_db.create(ctx, {'name': 'g', 'project_id': project,
                                  'user_id': user, 'policy': policy,
                                  'rules': {}})


def _boot(ctx, n):
    return [i['uuid'] for i in instances.create_instances(
        ctx, [{'display_name': 'vm%d' % i, 'flavor': {'flavorid': '1'},
               'launch_index': i} for i in range(n)],
        {'num_instances': n}, [])]


def test_create_get_list_destroy(db, ctx):
    mine = _group(ctx)
    theirs = _group(ctx, project='p2', user='bob')
    assert groups_db.get(ctx, mine['uuid'], 'p1')['members'] == []
    with pytest.raises(groups_db.InstanceGroupNotFound):
        groups_db.get(ctx, theirs['uuid'], 'p1')
    assert [g['uuid'] for g in groups_db.get_all(ctx, 'p1')] == \
        [mine['uuid']]
    assert [g['uuid'] for g in groups_db.get_all(ctx)] == \
        [mine['uuid'], theirs['uuid']]
    assert groups_db.counts(ctx, 'p1') == 1
    assert groups_db.counts(ctx, 'p1', 'bob') == 0
    groups_db.destroy(ctx, mine['uuid'], 'p1')
    with pytest.raises(groups_db.InstanceGroupNotFound):
        groups_db.destroy(ctx, mine['uuid'])


def test_members_live_only_and_limit(db, ctx):
    group = _group(ctx)
    uuids = _boot(ctx, 3)
    groups_db.add_members(ctx, group['uuid'], uuids[:2], 'alice', limit=2)
    with pytest.raises(groups_db.MembersOverQuota):
        groups_db.add_members(ctx, group['uuid'], uuids[2:], 'alice',
                              limit=2)
    assert groups_db.get(ctx, group['uuid'])['members'] == uuids[:2]
    assert groups_db.groups_of(ctx, uuids) == {
        uuids[0]: group['uuid'], uuids[1]: group['uuid']}
    instances.destroy(ctx, uuids[0])
    assert groups_db.get(ctx, group['uuid'])['members'] == [uuids[1]]
    groups_db.add_members(ctx, group['uuid'], uuids[2:], 'alice', limit=2)
    # The group goes, its servers stay.
    groups_db.destroy(ctx, group['uuid'])
    assert groups_db.groups_of(ctx, uuids) == {}
    assert instances.get(ctx, uuids[1])['uuid'] == uuids[1]


def test_guard_only_for_hard_policies(db, admin_ctx):
    node = fakes.add_compute(admin_ctx, 'h1')
    soft = _group(admin_ctx, 'soft-anti-affinity')
    hard = _group(admin_ctx, 'anti-affinity')
    groups_db.add_members(admin_ctx, soft['uuid'], ['s1', 's2'], 'u')
    groups_db.add_members(admin_ctx, hard['uuid'], ['h1'], 'u')
    with session.writer(admin_ctx) as s:
        assert groups_db.lock_for_consumer(s, 's1') is None
        assert groups_db.lock_for_consumer(s, 'nobody') is None
        locked = groups_db.lock_for_consumer(s, 'h1')
    assert locked['uuid'] == hard['uuid']
    one = {'vcpus': 1, 'memory_mb': 256, 'disk_gb': 1}
    # Soft policies never refuse a claim.
    placement.claim(admin_ctx, 's1', node['id'], 0, one)
    placement.claim(admin_ctx, 's2', node['id'], 1, one)
    assert groups_db.member_hosts(admin_ctx, soft['uuid']) == {'h1': 2}
    assert groups_db.member_hosts(admin_ctx, soft['uuid'],
                                  exclude=['s1']) == {'h1': 1}
    assert groups_db.member_hosts(admin_ctx, 'no-such-group') == {}
