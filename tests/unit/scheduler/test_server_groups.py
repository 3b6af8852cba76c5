"""Server group filters, weighers and the group check of a claim."""

import collections

import pytest

from novalite.common.db import placement
from novalite.common.db import server_groups as groups_db
from novalite.scheduler import filters
from novalite.scheduler import manager
from novalite.scheduler import weighers
from novalite.common import exception
from novalite.tests.unit.scheduler import fakes


def _spec(policy, hosts=None, rules=None):
    fl = fakes.FLAVOR
    return dict(fakes.spec(fl), resources=placement.resources_from_flavor(fl),
                instance_group={'uuid': 'g', 'policy': policy,
                                'rules': rules or {}},
                group_hosts=collections.Counter(hosts or {}))


def _passes(name, host, spec):
    (f,) = filters.get_filters([name])
    return f.host_passes(host, spec)


def test_anti_affinity_filter_refuses_a_members_host():
    spec = _spec('anti-affinity', {'a': 1})
    assert not _passes('ServerGroupAntiAffinityFilter', fakes.host('a'), spec)
    assert _passes('ServerGroupAntiAffinityFilter', fakes.host('b'), spec)
    # Other policies (and no group) pass everything.
    assert _passes('ServerGroupAntiAffinityFilter', fakes.host('a'),
                   _spec('affinity', {'a': 1}))
    assert _passes('ServerGroupAntiAffinityFilter', fakes.host('a'),
                   fakes.spec())


def test_anti_affinity_filter_max_server_per_host():
    spec = _spec('anti-affinity', {'a': 1, 'b': 2},
                 rules={'max_server_per_host': 2})
    assert _passes('ServerGroupAntiAffinityFilter', fakes.host('a'), spec)
    assert not _passes('ServerGroupAntiAffinityFilter', fakes.host('b'),
                       spec)


def test_affinity_filter_follows_the_members():
    assert _passes('ServerGroupAffinityFilter', fakes.host('a'),
                   _spec('affinity'))
    spec = _spec('affinity', {'b': 1})
    assert not _passes('ServerGroupAffinityFilter', fakes.host('a'), spec)
    assert _passes('ServerGroupAffinityFilter', fakes.host('b'), spec)
    assert _passes('ServerGroupAffinityFilter', fakes.host('a'),
                   _spec('anti-affinity', {'b': 1}))


def test_soft_weighers(conf):
    hosts = [fakes.host('a'), fakes.host('b'), fakes.host('c')]
    ws = weighers.get_weighers(conf)
    ranked = weighers.rank(ws, hosts, _spec('soft-anti-affinity',
                                            {'a': 2, 'b': 1}))
    assert [h.host for h in ranked] == ['c', 'b', 'a']
    ranked = weighers.rank(ws, hosts, _spec('soft-affinity', {'c': 1}))
    assert ranked[0].host == 'c'
    conf.set_override('soft_affinity_weight_multiplier', 0.0,
                      group='scheduler')
    ranked = weighers.rank(weighers.get_weighers(conf), hosts,
                           _spec('soft-affinity', {'c': 1}))
    assert ranked[0].host == 'a'


@pytest.fixture
def sched(db):
    return manager.SchedulerManager(db)


def _group(ctx, policy, rules=None):
    return groups_db.create(ctx, {'name': 'g', 'project_id': 'p1',
                                  'user_id': 'u1', 'policy': policy,
                                  'rules': rules or {}})


def _boot(sched, ctx, group, uuids):
    groups_db.add_members(ctx, group['uuid'], uuids, 'u1')
    spec = fakes.spec(instance_group={
        'uuid': group['uuid'], 'policy': group['policy'],
        'rules': group['rules']})
    return [sel[0]['service_host'] for sel in sched.select(ctx, spec, uuids)]


def test_anti_affinity_spreads_then_no_valid_host(sched, admin_ctx):
    for name in ('h1', 'h2'):
        fakes.add_compute(admin_ctx, name, memory_mb=65536, vcpus=64)
    group = _group(admin_ctx, 'anti-affinity')
    assert sorted(_boot(sched, admin_ctx, group, ['i1', 'i2'])) == \
        ['h1', 'h2']
    with pytest.raises(exception.NoValidHost):
        _boot(sched, admin_ctx, group, ['i3'])
    assert placement.get_allocation(admin_ctx, 'i3') is None


def test_anti_affinity_multi_create_is_all_or_nothing(sched, admin_ctx):
    for name in ('h1', 'h2'):
        fakes.add_compute(admin_ctx, name, memory_mb=65536, vcpus=64)
    group = _group(admin_ctx, 'anti-affinity')
    with pytest.raises(exception.NoValidHost):
        _boot(sched, admin_ctx, group, ['i1', 'i2', 'i3'])
    assert sum(n['vcpus_used'] for n in
               placement.get_nodes_with_usage(admin_ctx)) == 0


def test_max_server_per_host(sched, admin_ctx):
    for name in ('h1', 'h2'):
        fakes.add_compute(admin_ctx, name, memory_mb=65536, vcpus=64)
    group = _group(admin_ctx, 'anti-affinity', {'max_server_per_host': 2})
    hosts = _boot(sched, admin_ctx, group, ['i%d' % i for i in range(4)])
    assert collections.Counter(hosts) == {'h1': 2, 'h2': 2}
    with pytest.raises(exception.NoValidHost):
        _boot(sched, admin_ctx, group, ['i9'])


def test_affinity_stacks(sched, admin_ctx):
    for name in ('h1', 'h2', 'h3'):
        fakes.add_compute(admin_ctx, name, memory_mb=65536, vcpus=64)
    group = _group(admin_ctx, 'affinity')
    hosts = _boot(sched, admin_ctx, group, ['i1', 'i2', 'i3'])
    hosts += _boot(sched, admin_ctx, group, ['i4'])
    assert len(set(hosts)) == 1


def test_claim_rechecks_the_group_in_the_database(sched, admin_ctx,
                                                  monkeypatch):
    """A racing boot placed a member on h1 after this request read the
    group: the claim on h1 is refused, the request goes to h2."""
    n1 = fakes.add_compute(admin_ctx, 'h1', memory_mb=65536, vcpus=64)
    fakes.add_compute(admin_ctx, 'h2', memory_mb=60000, vcpus=64)
    group = _group(admin_ctx, 'anti-affinity')
    groups_db.add_members(admin_ctx, group['uuid'], ['racer'], 'u1')
    stale = iter([collections.Counter()])
    real = groups_db.member_hosts
    monkeypatch.setattr(groups_db, 'member_hosts',
                        lambda *a, **kw: next(stale, None) or real(*a, **kw))
    placement.claim(admin_ctx, 'racer', n1['id'], n1['generation'],
                    {'vcpus': 1, 'memory_mb': 512, 'disk_gb': 1})
    assert _boot(sched, admin_ctx, group, ['mine']) == ['h2']


def test_claim_refuses_a_host_breaking_the_policy(db, admin_ctx):
    n1 = fakes.add_compute(admin_ctx, 'h1')
    group = _group(admin_ctx, 'anti-affinity')
    groups_db.add_members(admin_ctx, group['uuid'], ['a', 'b'], 'u1')
    one = {'vcpus': 1, 'memory_mb': 256, 'disk_gb': 1}
    placement.claim(admin_ctx, 'a', n1['id'], 0, one)
    with pytest.raises(groups_db.GroupPolicyConflict):
        placement.claim(admin_ctx, 'b', n1['id'], 1, one)
    # Rolled back: no allocation, the node's generation unchanged.
    assert placement.get_allocation(admin_ctx, 'b') is None
    assert placement.get_node_by_uuid(admin_ctx, n1['uuid'])[
        'generation'] == 1
    # Re-claiming its own host (a retry) is no conflict.
    placement.claim(admin_ctx, 'a', n1['id'], 1, one)
