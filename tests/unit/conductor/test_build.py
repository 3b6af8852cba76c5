import pytest

from novalite.common.db import instances as instances_db
from novalite.common.db import models
from novalite.common.db import networks as networks_db
from novalite.common.db import placement
from novalite.common.db import session
from novalite.common import exception
from novalite.common import states
from novalite.conductor import build
from novalite.scheduler import manager as scheduler_manager
from novalite.tests.unit.scheduler import fakes


class RecordingCompute:
    """Our compute client interface, recording casts instead of sending."""

    def __init__(self):
        self.builds = []
        self.refreshes = []

    def build_and_run_instance(self, ctxt, host, instance, request_spec,
                               host_list, admin_password=None,
                               requested_networks=None, node=None):
        self.builds.append(dict(host=host, instance=instance,
                                host_list=host_list, node=node,
                                admin_password=admin_password,
                                requested_networks=requested_networks))

    def refresh_security_groups(self, ctxt, hosts, groups, ports=None):
        self.refreshes.append(dict(hosts=sorted(hosts), groups=groups,
                                   ports=ports))


class LocalScheduler:
    """Our scheduler client interface, answered by a real scheduler."""

    def __init__(self, conf):
        self.manager = scheduler_manager.SchedulerManager(conf)

    def select_destinations(self, ctxt, request_spec, instance_uuids,
                            return_alternates=True):
        return self.manager.select(ctxt, request_spec, instance_uuids,
                                   return_alternates)


class TimingOutScheduler:
    def select_destinations(self, *args, **kwargs):
        raise TimeoutError('Timed out waiting for a reply')


def _boot(ctx, n=1, flavor=None, networks=()):
    spec = fakes.spec(flavor, num_instances=n)
    insts = instances_db.create_instances(
        ctx, [{'display_name': 'vm%d' % i, 'launch_index': i,
               'flavor': spec['flavor']} for i in range(n)],
        spec, list(networks))
    uuids = [i['uuid'] for i in insts]
    spec['instance_uuids'] = uuids
    return uuids, spec


def _events(ctx, uuid):
    action, event = models.InstanceAction, models.InstanceActionEvent
    with session.reader(ctx) as s:
        return [(e.event, e.result) for e in s.query(event).join(
            action, action.id == event.action_id).filter(
                action.instance_uuid == uuid)]


def _faults(ctx, uuid):
    return instances_db.get_latest_faults(ctx, [uuid]).get(uuid)


@pytest.fixture
def compute():
    return RecordingCompute()


def test_schedules_and_casts_build_with_ports(db, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    fakes.add_compute(ctx, 'h2')
    net = networks_db.create_network(ctx, 'private', '10.0.0.0/24')
    uuids, spec = _boot(ctx, 2, networks=[net['uuid']])
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       uuids, spec, admin_password='pw')
    assert sorted(b['host'] for b in compute.builds) == ['h1', 'h2']
    for cast in compute.builds:
        inst = instances_db.get(ctx, cast['instance']['uuid'])
        assert (inst['host'], inst['node']) == (cast['host'], cast['node'])
        assert inst['task_state'] == states.SCHEDULING
        assert [h['service_host'] for h in cast['host_list']] == [
            'h2' if cast['host'] == 'h1' else 'h1']
        assert cast['admin_password'] == 'pw'
        (port,) = cast['requested_networks']
        assert port['network_id'] == net['uuid']
        assert placement.get_allocation(ctx, inst['uuid'])[
            'host'] == cast['host']
        assert _events(ctx, inst['uuid']) == [
            (build.SCHEDULE_EVENT, 'Success')]


def test_a_new_member_reaches_the_other_hosts_filters(db, ctx, compute):
    """The default group admits its own members: a boot sends the other
    hosts the group's rules with the new address among the remote ones,
    and its own build carries the same rules."""
    fakes.add_compute(ctx, 'h1')
    net = networks_db.create_network(ctx, 'private', '10.0.0.0/24')
    first, spec = _boot(ctx, 1, networks=[net['uuid']])
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       first, spec)
    fakes.add_compute(ctx, 'h2', vcpus=64)   # the next boot goes there
    second, spec = _boot(ctx, 1, networks=[net['uuid']])
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       second, spec)
    cast = compute.builds[-1]
    assert cast['host'] == 'h2'
    (port,) = cast['requested_networks']
    (group,) = port['security_groups']
    refresh = compute.refreshes[-1]
    assert refresh['hosts'] == ['h1']
    assert refresh['groups'] == {group['id']: group['rules']}
    remote = [r['remote_ips'] for r in group['rules'] if 'remote_ips' in r]
    assert remote and sorted(remote[0]) == ['10.0.0.2', '10.0.0.3']


def test_no_valid_host_sets_error_with_fault(db, ctx, compute):
    fakes.add_compute(ctx, 'h1', vcpus=1)
    uuids, spec = _boot(ctx, 2)
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       uuids, spec)
    assert compute.builds == []
    for uuid in uuids:
        inst = instances_db.get(ctx, uuid)
        assert (inst['vm_state'], inst['task_state']) == (states.ERROR, None)
        fault = _faults(ctx, uuid)
        assert fault['code'] == 500
        assert fault['message'].startswith('No valid host was found.')
        assert placement.get_allocation(ctx, uuid) is None
        assert _events(ctx, uuid) == [(build.SCHEDULE_EVENT, 'Error')]


def test_scheduler_timeout_leaves_instance_for_recovery(db, ctx, compute):
    # Finish rather than fail: the scheduler may come back, and the
    # recovery pass schedules it again once its lease runs out.
    uuids, spec = _boot(ctx, 1)
    build.schedule_and_build_instances(ctx, TimingOutScheduler(), compute,
                                       uuids, spec)
    inst = instances_db.get(ctx, uuids[0])
    assert (inst['vm_state'], inst['task_state'], inst['host']) == (
        states.BUILDING, states.SCHEDULING, None)
    assert inst['updated_at'] is not None     # the lease it took
    assert _faults(ctx, uuids[0]) is None
    assert _events(ctx, uuids[0]) == [(build.SCHEDULE_EVENT, 'Error')]


def test_scheduler_error_sets_error_with_fault(db, ctx, compute):
    class BrokenScheduler:
        def select_destinations(self, *args, **kwargs):
            raise RuntimeError('scheduler bug')

    uuids, spec = _boot(ctx, 1)
    build.schedule_and_build_instances(ctx, BrokenScheduler(), compute,
                                       uuids, spec)
    inst = instances_db.get(ctx, uuids[0])
    assert inst['vm_state'] == states.ERROR
    assert 'scheduler bug' in _faults(ctx, uuids[0])['message']


def test_instance_leased_by_another_conductor_is_not_scheduled(db, ctx,
                                                               compute):
    """A second schedule_and_build_instances for the same instance (a
    duplicate message, or recovery racing a slow first conductor) within
    the lease builds nothing."""
    fakes.add_compute(ctx, 'h1')
    uuids, spec = _boot(ctx, 1)
    build.schedule_and_build_instances(ctx, TimingOutScheduler(), compute,
                                       uuids, spec)
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       uuids, spec, grace=60)
    assert compute.builds == []
    assert placement.get_allocation(ctx, uuids[0]) is None


def test_instance_deleted_while_scheduling_frees_its_claim(db, ctx, compute):
    fakes.add_compute(ctx, 'h1')
    uuids, spec = _boot(ctx, 2)
    sched = LocalScheduler(db)

    class DeletingScheduler:
        def select_destinations(self, *args, **kwargs):
            # The user deletes before the claim lands, so destroy() had
            # nothing to free: only the conductor can drop this claim.
            instances_db.destroy(ctx, uuids[0])
            return sched.select_destinations(*args, **kwargs)

    build.schedule_and_build_instances(ctx, DeletingScheduler(), compute,
                                       uuids, spec)
    assert [b['instance']['uuid'] for b in compute.builds] == [uuids[1]]
    assert placement.get_allocation(ctx, uuids[0]) is None
    assert placement.get_nodes_with_usage(ctx)[0]['vcpus_used'] == 1


def test_instance_being_deleted_is_not_built_and_claim_freed(db, ctx,
                                                            compute):
    fakes.add_compute(ctx, 'h1')
    uuids, spec = _boot(ctx, 1)
    instances_db.update(ctx, uuids[0], {'task_state': states.DELETING})
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       uuids, spec)
    assert compute.builds == []
    assert placement.get_allocation(ctx, uuids[0]) is None
    assert instances_db.get(ctx, uuids[0])['task_state'] == states.DELETING


def _scheduled(db, ctx, compute, hosts=('h1', 'h2', 'h3')):
    for h in hosts:
        fakes.add_compute(ctx, h)
    uuids, spec = _boot(ctx, 1)
    build.schedule_and_build_instances(ctx, LocalScheduler(db), compute,
                                       uuids, spec)
    (cast,) = compute.builds
    return cast, spec


def test_reschedule_claims_alternate_and_frees_failed_host(db, ctx, compute):
    cast, spec = _scheduled(db, ctx, compute)
    uuid = cast['instance']['uuid']
    instances_db.update(ctx, uuid, {'task_state': states.SPAWNING})
    first_alt = cast['host_list'][0]
    build.reschedule(ctx, compute, cast['instance'], spec, cast['host_list'],
                     cast['host'], 'libvirt said no')
    recast = compute.builds[-1]
    assert recast['host'] == first_alt['service_host']
    assert recast['host_list'] == cast['host_list'][1:]
    inst = instances_db.get(ctx, uuid)
    assert (inst['host'], inst['task_state']) == (
        first_alt['service_host'], states.SCHEDULING)
    alloc = placement.get_allocation(ctx, uuid)
    assert alloc['compute_node_uuid'] == first_alt['compute_node_uuid']
    usage = {n['host']: n['vcpus_used']
             for n in placement.get_nodes_with_usage(ctx)}
    assert usage[cast['host']] == 0


def test_reschedule_hands_the_admin_password_to_the_next_host(
        db, ctx, compute):
    cast, spec = _scheduled(db, ctx, compute)
    build.reschedule(ctx, compute, cast['instance'], spec, cast['host_list'],
                     cast['host'], 'boom', admin_password='pw-1')
    assert compute.builds[-1]['admin_password'] == 'pw-1'


def test_reschedule_anywhere_hands_the_admin_password_on(db, ctx, compute):
    cast, spec = _scheduled(db, ctx, compute)
    build.reschedule(ctx, compute, cast['instance'], spec, None,
                     cast['host'], 'agent restarted', admin_password='pw-2',
                     scheduler=LocalScheduler(db))
    assert compute.builds[-1]['host'] != cast['host']
    assert compute.builds[-1]['admin_password'] == 'pw-2'


def test_build_interrupted_by_an_agent_restart_may_return_to_its_host_once(
        db, ctx, compute):
    """The only host's agent restarted mid-build: the host did not fail
    the build, so it gets it back (before 1.7 it was excluded: "No valid
    host" on a one-host cloud). Interrupted there a second time, it is
    excluded: an agent that dies on this build must not get it for ever."""
    cast, spec = _scheduled(db, ctx, compute, hosts=('h1',))
    uuid = cast['instance']['uuid']
    instances_db.update(ctx, uuid, {'task_state': states.SPAWNING})
    build.reschedule(ctx, compute, cast['instance'], None, None, 'h1',
                     'agent restarted', scheduler=LocalScheduler(db),
                     exclude_failed_host=False)
    assert compute.builds[-1]['host'] == 'h1'
    inst = instances_db.get(ctx, uuid)
    assert (inst['vm_state'], inst['host']) == (states.BUILDING, 'h1')
    instances_db.update(ctx, uuid, {'task_state': states.SPAWNING})
    build.reschedule(ctx, compute, inst, None, None, 'h1',
                     'agent restarted', scheduler=LocalScheduler(db),
                     exclude_failed_host=False)
    assert len(compute.builds) == 2
    inst = instances_db.get(ctx, uuid)
    assert (inst['vm_state'], inst['task_state']) == (states.ERROR, None)
    assert placement.get_allocation(ctx, uuid) is None


def test_reschedule_skips_full_alternate(db, ctx, compute):
    cast, spec = _scheduled(db, ctx, compute)
    full, other = cast['host_list']
    node = placement.get_node_by_uuid(ctx, full['compute_node_uuid'])
    placement.claim(ctx, 'hog', node['id'], node['generation'],
                    {'vcpus': 4, 'memory_mb': 1, 'disk_gb': 1})
    build.reschedule(ctx, compute, cast['instance'], spec, cast['host_list'],
                     cast['host'], 'boom')
    assert compute.builds[-1]['host'] == other['service_host']
    assert compute.builds[-1]['host_list'] == []


def test_reschedule_without_alternates_errors_with_nova_fault(db, ctx,
                                                              compute):
    cast, spec = _scheduled(db, ctx, compute, hosts=('h1',))
    uuid = cast['instance']['uuid']
    assert cast['host_list'] == []
    build.reschedule(ctx, compute, cast['instance'], spec, [], 'h1',
                     'disk full')
    assert len(compute.builds) == 1
    inst = instances_db.get(ctx, uuid)
    assert (inst['vm_state'], inst['task_state']) == (states.ERROR, None)
    fault = _faults(ctx, uuid)
    assert fault['message'] == (
        'Exceeded maximum number of retries. Exhausted all hosts available '
        'for retrying build failures for instance %s.' % uuid)
    assert 'disk full' in fault['details']
    assert placement.get_allocation(ctx, uuid) is None


def test_reschedule_of_deleted_instance_leaves_no_claim(db, ctx, compute):
    cast, spec = _scheduled(db, ctx, compute)
    uuid = cast['instance']['uuid']
    instances_db.destroy(ctx, uuid)
    build.reschedule(ctx, compute, cast['instance'], spec, cast['host_list'],
                     cast['host'], 'boom')
    assert len(compute.builds) == 1
    assert placement.get_allocation(ctx, uuid) is None
    with pytest.raises(exception.InstanceNotFound):
        instances_db.get(ctx, uuid)


def test_failed_cast_takes_instance_back_and_frees_claim(db, ctx):
    class BrokenCompute:
        def build_and_run_instance(self, *args, **kwargs):
            raise ConnectionError('broker unreachable')

    fakes.add_compute(ctx, 'h1')
    uuids, spec = _boot(ctx, 1)
    build.schedule_and_build_instances(ctx, LocalScheduler(db),
                                       BrokenCompute(), uuids, spec)
    inst = instances_db.get(ctx, uuids[0])
    # Waiting for a host again: the recovery pass schedules it later.
    assert (inst['vm_state'], inst['task_state'], inst['host']) == (
        states.BUILDING, states.SCHEDULING, None)
    assert placement.get_allocation(ctx, uuids[0]) is None
