"""The conductor's recovery pass (conductor/recovery.py) and the guards
that keep two conductors from acting on one instance, against a real
SQLite database and a real scheduler."""

import datetime
import time

import pytest
from sqlalchemy import update

from novalite.common.db import instances as instances_db
from novalite.common.db import models
from novalite.common.db import networks as networks_db
from novalite.common.db import placement
from novalite.common.db import recovery as recovery_db
from novalite.common.db import session
from novalite.common import exception
from novalite.common import states
from novalite.conductor import build
from novalite.conductor import manager as conductor_manager
from novalite.conductor import recovery
from novalite.tests.unit.conductor.test_build import (
    LocalScheduler, RecordingCompute, TimingOutScheduler, _boot, _faults)
from novalite.tests.unit.scheduler import fakes


class RecordingDeletes(RecordingCompute):
    def __init__(self):
        super().__init__()
        self.terminates = []

    def terminate_instance(self, ctxt, instance):
        self.terminates.append(instance['uuid'])


@pytest.fixture
def compute():
    return RecordingDeletes()


@pytest.fixture
def rconf(db):
    db.set_override('build_recovery_grace', 30, group='conductor')
    db.set_override('instance_build_timeout', 600, group='compute')
    yield db
    db.clear_override('build_recovery_grace', group='conductor')
    db.clear_override('instance_build_timeout', group='compute')


def _recovery(conf, compute):
    return recovery.Recovery(conf, LocalScheduler(conf), compute)


def _backdate(ctx, uuid, seconds, created=None):
    """As if the instance was last written ``seconds`` ago (and created
    ``created`` seconds ago, default the same)."""
    now = recovery_db.utcnow()
    with session.writer(ctx) as s:
        s.execute(update(models.Instance).where(
            models.Instance.uuid == uuid).values(
                updated_at=now - datetime.timedelta(seconds=seconds),
                created_at=now - datetime.timedelta(
                    seconds=created if created is not None else seconds)))


def _on_host(ctx, uuid, host, task_state):
    """Place the instance on ``host`` with a claim, as a build there."""
    node = [n for n in placement.get_nodes_with_usage(ctx)
            if n['host'] == host][0]
    placement.claim(ctx, uuid, node['id'], node['generation'],
                    placement.resources_from_flavor(fakes.FLAVOR))
    instances_db.update(ctx, uuid, {'host': host, 'node': host,
                                    'task_state': task_state})


def test_instance_waiting_for_a_host_is_scheduled_again(rconf, ctx, compute):
    """Its conductor died (or the cast was lost) before it got a host."""
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 1)
    rec = _recovery(rconf, compute)
    assert rec.run(ctx) == {}                      # fresh: not yet
    _backdate(ctx, uuids[0], 31)
    assert rec.run(ctx) == {'rescheduled': uuids}
    (cast,) = compute.builds
    assert cast['host'] == 'h1'
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['host'], inst['task_state']) == ('h1', states.SCHEDULING)
    assert placement.get_allocation(ctx, uuids[0])['host'] == 'h1'
    # Recorded in the server's own create action.
    (action,) = instances_db.actions_get(ctx, uuids[0])
    assert action['action'] == 'create'
    assert rec.run(ctx) == {}                      # nothing left to do


def test_two_conductors_never_both_schedule_it(rconf, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    uuids, spec = _boot(ctx, 1)
    _backdate(ctx, uuids[0], 31)
    first = recovery_db.claim_for_scheduling(ctx, uuids, 30,
                                             stale_only=True)
    second = recovery_db.claim_for_scheduling(ctx, uuids, 30,
                                              stale_only=True)
    assert (first, second) == (uuids, [])
    # Nor does a late (or duplicated) schedule_and_build_instances.
    build.schedule_and_build_instances(ctx, LocalScheduler(rconf), compute,
                                       uuids, spec, grace=30)
    assert compute.builds == []


def test_the_lease_opens_the_scheduling_event_only_when_taken(rconf, ctx):
    uuids, _spec = _boot(ctx, 2)
    taken = recovery_db.claim_for_scheduling(
        ctx, uuids[:1], 30, event=build.SCHEDULE_EVENT)
    again = recovery_db.claim_for_scheduling(
        ctx, uuids, 30, event=build.SCHEDULE_EVENT)
    assert (taken, again) == (uuids[:1], uuids[1:])
    for uuid in uuids:
        (action,) = instances_db.actions_with_events(ctx, uuid)
        events = action['events']
        # One open event each: the second lease of uuids[0] was refused
        # and opened nothing.
        assert [(e['event'], e['finish_time']) for e in events] == [
            (build.SCHEDULE_EVENT, None)], uuid


def test_guarded_update_is_a_compare_and_swap(rconf, ctx):
    uuids, _spec = _boot(ctx, 1)
    inst = instances_db.get(ctx, uuids[0])
    expected = {'task_state': states.SCHEDULING, 'host': None,
                'updated_at': inst['updated_at']}
    won = recovery_db.guarded_update(ctx, uuids[0], {'host': 'h1'}, expected)
    assert won['host'] == 'h1' and won['updated_at'] is not None
    with pytest.raises(exception.UnexpectedTaskState):
        recovery_db.guarded_update(ctx, uuids[0], {'host': 'h2'}, expected)
    assert instances_db.get(ctx, uuids[0])['host'] == 'h1'
    instances_db.destroy(ctx, uuids[0])
    with pytest.raises(exception.InstanceNotFound):
        recovery_db.guarded_update(ctx, uuids[0], {}, {})


def test_build_sent_but_never_started_is_scheduled_again(rconf, ctx,
                                                         compute):
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'h1', states.SCHEDULING)
    rec = _recovery(rconf, compute)
    assert rec.run(ctx) == {}
    _backdate(ctx, uuids[0], 31)
    assert rec.run(ctx) == {'rescheduled': uuids}
    assert compute.builds[0]['host'] == 'h1'      # it is up: may go back
    assert len(placement.get_nodes_with_usage(ctx)) == 1
    assert placement.get_nodes_with_usage(ctx)[0]['vcpus_used'] == 1


def test_build_on_a_dead_host_before_spawning_moves_elsewhere(rconf, ctx,
                                                              compute):
    fakes.add_compute(ctx, 'dead', up=False)
    fakes.add_compute(ctx, 'h2')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'dead', states.NETWORKING)
    assert _recovery(rconf, compute).run(ctx) == {'rescheduled': uuids}
    (cast,) = compute.builds
    assert cast['host'] == 'h2'
    usage = {n['host']: n['vcpus_used']
             for n in placement.get_nodes_with_usage(ctx)}
    assert usage == {'dead': 0, 'h2': 1}
    # A late build message on the dead host (after it comes back) can no
    # longer take the instance: the compare-and-swap names the host.
    mgr = conductor_manager.ConductorManager(rconf, LocalScheduler(rconf),
                                             compute)
    with pytest.raises(Exception) as err:      # ExpectedException in-process
        mgr.instance_update(ctx, uuids[0],
                            {'task_state': states.NETWORKING},
                            expected_task_state=states.SCHEDULING,
                            expected_host='dead')
    assert isinstance(err.value.exc_info[1], exception.UnexpectedTaskState)
    mgr.instance_update(ctx, uuids[0], {'task_state': states.NETWORKING},
                        expected_task_state=states.SCHEDULING,
                        expected_host='h2')


def test_spawn_on_a_dead_host_errors_with_fault(rconf, ctx, compute):
    fakes.add_compute(ctx, 'dead', up=False)
    fakes.add_compute(ctx, 'h2')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'dead', states.SPAWNING)
    assert _recovery(rconf, compute).run(ctx) == {'failed_spawn': uuids}
    assert compute.builds == []
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['vm_state'], inst['task_state'], inst['host']) == (
        states.ERROR, None, None)
    assert _faults(ctx, uuids[0])['message'] == (
        'Instance failed to spawn: compute host dead went down during the '
        'build')
    assert placement.get_allocation(ctx, uuids[0]) is None


def _silent_for(ctx, host, seconds):
    """As if ``host``'s agent last beat ``seconds`` ago."""
    with session.writer(ctx) as s:
        s.execute(update(models.Service).where(
            models.Service.host == host).values(
                last_seen_up=recovery_db.utcnow()
                - datetime.timedelta(seconds=seconds)))


def test_spawn_on_a_host_down_briefly_is_left_to_its_restarting_agent(
        rconf, ctx, compute):
    """An agent killed mid-spawn comes back and reschedules or finishes
    its builds itself (init_host): recovery fails the build only once the
    host has been silent for service_down_time + build_recovery_grace."""
    fakes.add_compute(ctx, 'restarting')
    fakes.add_compute(ctx, 'h2')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'restarting', states.SPAWNING)
    down = rconf.service_down_time
    _silent_for(ctx, 'restarting', down + 5)          # down, 5 s into it
    assert _recovery(rconf, compute).run(ctx) == {}
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['vm_state'], inst['task_state'], inst['host']) == (
        states.BUILDING, states.SPAWNING, 'restarting')
    _silent_for(ctx, 'restarting', down + 31)         # past the grace (30)
    assert _recovery(rconf, compute).run(ctx) == {'failed_spawn': uuids}
    assert instances_db.get(ctx, uuids[0])['vm_state'] == states.ERROR


def test_build_timeout_errors_with_and_without_host(rconf, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 2)
    _on_host(ctx, uuids[1], 'h1', states.SPAWNING)
    for uuid in uuids:
        _backdate(ctx, uuid, 5, created=601)
    done = _recovery(rconf, compute).run(ctx)
    assert sorted(done['timed_out']) == sorted(uuids)
    for uuid in uuids:
        inst = instances_db.get(ctx, uuid)
        assert (inst['vm_state'], inst['host']) == (states.ERROR, None)
        assert _faults(ctx, uuid)['message'] == (
            'Build of instance %s aborted: Instance build timed out after '
            '600 seconds' % uuid)
        assert placement.get_allocation(ctx, uuid) is None


def test_delete_on_a_dead_host_is_finished_locally(rconf, ctx, compute):
    fakes.add_compute(ctx, 'dead', up=False)
    net = networks_db.create_network(ctx, 'private', '10.0.0.0/24')
    uuids, _spec = _boot(ctx, 1, networks=[net['uuid']])
    _on_host(ctx, uuids[0], 'dead', None)
    instances_db.update(ctx, uuids[0], {'vm_state': states.ACTIVE,
                                        'task_state': states.DELETING})
    assert _recovery(rconf, compute).run(ctx) == {'deleted': uuids}
    with pytest.raises(exception.InstanceNotFound):
        instances_db.get(ctx, uuids[0])
    assert placement.get_allocation(ctx, uuids[0]) is None
    assert networks_db.get_instance_ports(ctx, uuids[0]) == []
    assert compute.terminates == []


def test_lost_delete_on_a_live_host_is_sent_again(rconf, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'h1', None)
    instances_db.update(ctx, uuids[0], {'vm_state': states.ACTIVE,
                                        'task_state': states.DELETING})
    rec = _recovery(rconf, compute)
    assert rec.run(ctx) == {}
    _backdate(ctx, uuids[0], 31)
    assert rec.run(ctx) == {'delete_resent': uuids}
    assert compute.terminates == uuids
    assert rec.run(ctx) == {}                  # a fresh lease: once


def test_claims_of_vanished_instances_are_freed(rconf, ctx, compute):
    node = fakes.add_compute(ctx, 'h1')
    placement.claim(ctx, 'gone', node['id'], 0,
                    {'vcpus': 1, 'memory_mb': 1, 'disk_gb': 1})
    with session.writer(ctx) as s:
        s.execute(update(models.Allocation).values(
            created_at=recovery_db.utcnow() - datetime.timedelta(seconds=31)))
    assert _recovery(rconf, compute).run(ctx) == {'freed_claims': ['gone']}
    assert placement.get_allocation(ctx, 'gone') is None


def test_interrupted_build_is_rescheduled_by_the_scheduler(rconf, ctx,
                                                           compute):
    """A restarted agent hands back its interrupted build with no
    alternates (host_list None): the scheduler picks another host; a
    second, duplicate hand-back changes nothing."""
    fakes.add_compute(ctx, 'h1')
    fakes.add_compute(ctx, 'h2')
    uuids, _spec = _boot(ctx, 1)
    _on_host(ctx, uuids[0], 'h1', states.SPAWNING)
    inst = instances_db.get(ctx, uuids[0])
    sel = build.reschedule(ctx, compute, inst, None, None, 'h1',
                           'agent restart', scheduler=LocalScheduler(rconf))
    assert sel['service_host'] == 'h2'
    assert compute.builds[-1]['host'] == 'h2'
    assert build.reschedule(ctx, compute, inst, None, None, 'h1',
                            'agent restart',
                            scheduler=LocalScheduler(rconf)) is None
    assert len(compute.builds) == 1
    assert placement.get_allocation(ctx, uuids[0])['host'] == 'h2'


def test_scheduler_down_is_retried_until_the_build_timeout(rconf, ctx,
                                                           compute):
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 1)
    _backdate(ctx, uuids[0], 31)
    rec = recovery.Recovery(rconf, TimingOutScheduler(), compute)
    assert rec.run(ctx) == {'rescheduled': uuids}
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['vm_state'], inst['task_state']) == (states.BUILDING,
                                                      states.SCHEDULING)
    _backdate(ctx, uuids[0], 31, created=601)
    assert rec.run(ctx) == {'timed_out': uuids}


def test_periodic_task_follows_the_interval(rconf):
    mgr = conductor_manager.ConductorManager(rconf, object(), object())
    ((interval, task),) = mgr.periodic_tasks()
    assert interval == rconf.conductor.build_recovery_interval
    assert task == mgr.recovery.run
    rconf.set_override('build_recovery_interval', 0, group='conductor')
    assert mgr.periodic_tasks() == []
    rconf.clear_override('build_recovery_interval', group='conductor')


def test_no_valid_host_while_every_host_looks_down_waits(rconf, ctx,
                                                         compute):
    """All compute hosts down at once (their heartbeats go through the
    conductor and the bus): not a full cloud, so the boot waits for the
    recovery pass instead of failing; with one host up it fails."""
    fakes.add_compute(ctx, 'h1')
    big = dict(fakes.FLAVOR, vcpus=64)
    uuids, spec = _boot(ctx, 1, flavor=big)
    time.sleep(0.01)       # a beat older than service_down_time=0: down
    build.schedule_and_build_instances(ctx, LocalScheduler(rconf), compute,
                                       uuids, spec, grace=30,
                                       service_down_time=0)
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['vm_state'], inst['task_state']) == (states.BUILDING,
                                                      states.SCHEDULING)
    uuids, spec = _boot(ctx, 1, flavor=big)
    build.schedule_and_build_instances(ctx, LocalScheduler(rconf), compute,
                                       uuids, spec, grace=30,
                                       service_down_time=60)
    assert instances_db.get(ctx, uuids[0])['vm_state'] == states.ERROR
