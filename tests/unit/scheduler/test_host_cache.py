"""The scheduler's host cache (scheduler/host_cache.py): nodes and services
are read in full at most every host_cache_ttl, yet what a user or admin
changes between two boots applies to the second one."""

import collections

import pytest

from novalite.common.db import models
from novalite.common.db import placement
from novalite.common.db import session
from novalite.common import exception
from novalite.scheduler import manager
from novalite.tests.unit.scheduler import fakes


@pytest.fixture
def sched(db):
    db.set_override('host_cache_ttl', 3600, group='scheduler')
    yield manager.SchedulerManager(db)
    db.clear_override('host_cache_ttl', group='scheduler')


@pytest.fixture
def full_reads(monkeypatch):
    count = collections.Counter()
    real = placement.get_nodes_with_usage

    def counting(ctx):
        count['reads'] += 1
        return real(ctx)
    monkeypatch.setattr(placement, 'get_nodes_with_usage', counting)
    return count


def _host(result):
    return result[0][0]['service_host']


def _set_service(ctx, host, **values):
    with session.writer(ctx) as s:
        row = s.query(models.Service).filter_by(host=host).one()
        for key, value in values.items():
            setattr(row, key, value)


def test_one_full_read_serves_many_boots(sched, admin_ctx, full_reads):
    fakes.add_compute(admin_ctx, 'h1', vcpus=8)
    fakes.add_compute(admin_ctx, 'h2', vcpus=8)
    hosts = [_host(sched.select(admin_ctx, fakes.spec(), ['i%d' % i]))
             for i in range(10)]
    assert full_reads['reads'] == 1
    # Each boot still saw the claims before it: spread evenly.
    assert collections.Counter(hosts) == {'h1': 5, 'h2': 5}


def test_ttl_zero_reads_everything_each_time(sched, db, admin_ctx,
                                             full_reads):
    db.set_override('host_cache_ttl', 0, group='scheduler')
    fakes.add_compute(admin_ctx, 'h1', vcpus=8)
    for i in range(3):
        sched.select(admin_ctx, fakes.spec(), ['i%d' % i])
    assert full_reads['reads'] == 3


def test_room_freed_by_a_delete_is_used_by_the_next_boot(
        sched, admin_ctx, full_reads):
    fakes.add_compute(admin_ctx, 'h1', vcpus=1)
    sched.select(admin_ctx, fakes.spec(), ['first'])
    placement.free(admin_ctx, 'first')
    assert _host(sched.select(admin_ctx, fakes.spec(), ['second'])) == 'h1'
    assert full_reads['reads'] == 1   # seen without re-reading the hosts


def test_a_host_added_after_the_read_takes_a_boot_nothing_else_fits(
        sched, admin_ctx):
    fakes.add_compute(admin_ctx, 'h1', vcpus=1)
    sched.select(admin_ctx, fakes.spec(), ['first'])     # h1 is now full
    fakes.add_compute(admin_ctx, 'h2', vcpus=1)
    assert _host(sched.select(admin_ctx, fakes.spec(), ['second'])) == 'h2'
    with pytest.raises(exception.NoValidHost):
        sched.select(admin_ctx, fakes.spec(), ['third'])


def test_disabled_service_is_skipped_by_the_next_boot(sched, admin_ctx):
    fakes.add_compute(admin_ctx, 'h1', vcpus=8, memory_mb=8192)
    fakes.add_compute(admin_ctx, 'h2', vcpus=8)
    assert _host(sched.select(admin_ctx, fakes.spec(), ['i0'])) == 'h1'
    _set_service(admin_ctx, 'h1', disabled=True, disabled_reason='repair')
    assert {_host(sched.select(admin_ctx, fakes.spec(), ['i%d' % i]))
            for i in range(1, 5)} == {'h2'}
    # Enabled again: the emptier h1 is preferred at once.
    _set_service(admin_ctx, 'h1', disabled=False, disabled_reason=None)
    assert _host(sched.select(admin_ctx, fakes.spec(), ['i5'])) == 'h1'


def test_forced_down_service_is_skipped_by_the_next_boot(sched, admin_ctx):
    fakes.add_compute(admin_ctx, 'h1', vcpus=8, memory_mb=8192)
    fakes.add_compute(admin_ctx, 'h2', vcpus=8)
    sched.select(admin_ctx, fakes.spec(), ['i0'])
    _set_service(admin_ctx, 'h1', forced_down=True)
    assert _host(sched.select(admin_ctx, fakes.spec(), ['i1'])) == 'h2'


def test_a_node_deleted_after_the_read_is_dropped(sched, admin_ctx):
    fakes.add_compute(admin_ctx, 'h1', vcpus=8, memory_mb=8192)
    fakes.add_compute(admin_ctx, 'h2', vcpus=8)
    sched.select(admin_ctx, fakes.spec(), ['i0'])
    placement.free(admin_ctx, 'i0')
    with session.writer(admin_ctx) as s:
        s.query(models.ComputeNode).filter_by(host='h1').delete()
    assert _host(sched.select(admin_ctx, fakes.spec(), ['i1'])) == 'h2'
    assert [h.host for h in sched.load_hosts(admin_ctx)[0]] == ['h2']


def test_every_boot_fits_nowhere_still_raises_after_one_reread(
        sched, admin_ctx, full_reads):
    fakes.add_compute(admin_ctx, 'h1', vcpus=1)
    sched.select(admin_ctx, fakes.spec(), ['i0'])
    with pytest.raises(exception.NoValidHost):
        sched.select(admin_ctx, fakes.spec(), ['i1'])
    assert full_reads['reads'] == 2
    assert placement.get_allocation(admin_ctx, 'i1') is None
