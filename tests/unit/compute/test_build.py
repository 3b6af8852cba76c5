"""Building an instance: the task-state walk, reschedule and delete races,
with the real libvirt test hypervisor and a conductor double."""

import pytest

from novalite.common import exception
from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.tests.unit.compute import fakes

ALTERNATES = [{'service_host': 'unit-host', 'nodename': 'unit-host',
               'compute_node_uuid': 'cn-1'},
              {'service_host': 'other-1', 'nodename': 'other-1',
               'compute_node_uuid': 'cn-2'},
              {'service_host': 'other-2', 'nodename': 'other-2',
               'compute_node_uuid': 'cn-3'}]


@pytest.fixture
def instance():
    return fakes.make_instance(id=11)


@pytest.fixture
def conductor(instance):
    return fakes.ConductorDouble(instance)


@pytest.fixture
def manager(libvirt_conf, driver, conductor):
    return compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                          conductor_api=conductor)


def _build(manager, ctx, instance, host_list=()):
    manager.build_and_run_instance(
        ctx, instance, {'image': {'id': 'img-1'}}, list(host_list),
        admin_password=None, requested_networks=[], node='unit-host')


def test_build_walks_task_states_and_ends_active_running(
        manager, conductor, driver, ctx, instance):
    _build(manager, ctx, instance)
    walk = [(kw['expected_task_state'], kw['updates'].get('task_state'))
            for kw in conductor.called('instance_update')]
    assert walk == [(states.SCHEDULING, states.NETWORKING),
                    (states.NETWORKING, states.BLOCK_DEVICE_MAPPING),
                    (states.BLOCK_DEVICE_MAPPING, states.SPAWNING),
                    (states.SPAWNING, None)]
    final = conductor.instances[instance['uuid']]
    assert final['vm_state'] == states.ACTIVE
    assert final['power_state'] == states.RUNNING
    assert final['task_state'] is None
    assert final['launched_at']
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert [kw['result'] for kw in conductor.called('action_event_finish')] \
        == ['Success']
    assert conductor.called('action_event_start')[0]['event'] == \
        'compute_build_and_run_instance'
    assert conductor.called('build_instances') == []


def test_spawn_failure_cleans_up_and_reschedules_to_alternates(
        manager, conductor, driver, ctx, instance, monkeypatch):
    real_spawn = driver.spawn

    def spawn_then_fail(*args, **kwargs):
        real_spawn(*args, **kwargs)
        raise RuntimeError('guest exploded')
    monkeypatch.setattr(driver, 'spawn', spawn_then_fail)
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {}
    (resched,) = conductor.called('build_instances')
    assert resched['host_list'] == ALTERNATES[1:]
    assert resched['failed_host'] == 'unit-host'
    assert 'guest exploded' in resched['reason']
    assert resched['instance']['uuid'] == instance['uuid']
    assert conductor.instances[instance['uuid']]['vm_state'] == \
        states.BUILDING   # the conductor, not us, decides ERROR
    assert conductor.called('action_event_finish')[0]['result'] == 'Error'


@pytest.mark.parametrize('error', [
    exception.Invalid(reason='Image img-1 is not a valid qcow2 image.'),
    exception.ImageNotFound(image_id='img-1')])
def test_bad_image_aborts_to_error_with_its_fault_without_reschedule(
        manager, conductor, driver, ctx, instance, monkeypatch, error):
    real_spawn = driver.spawn

    def spawn_then_refuse(*args, **kwargs):
        real_spawn(*args, **kwargs)    # leaves a domain for cleanup to find
        raise error
    monkeypatch.setattr(driver, 'spawn', spawn_then_refuse)
    _build(manager, ctx, instance, ALTERNATES)
    assert conductor.called('build_instances') == []
    assert fakes.domains(driver) == {}
    inst = conductor.instances[instance['uuid']]
    assert (inst['vm_state'], inst['task_state']) == (states.ERROR, None)
    (fault,) = conductor.faults
    assert fault['message'] == (
        'Build of instance %s aborted: %s' % (instance['uuid'],
                                              error.message))
    # Off this host, and its claim dropped now rather than at delete.
    assert (inst['host'], inst['node']) == (None, None)
    assert conductor.called('allocation_free') == [
        {'instance_uuid': instance['uuid']}]


def test_spawn_gets_the_request_context(
        manager, conductor, driver, ctx, instance, monkeypatch):
    seen = {}
    real_spawn = driver.spawn

    def spawn(*args, **kwargs):
        seen.update(kwargs)
        return real_spawn(*args, **kwargs)
    monkeypatch.setattr(driver, 'spawn', spawn)
    _build(manager, ctx, instance)
    assert seen['context'] is ctx


def test_delete_during_spawn_aborts_and_leaves_no_domain(
        manager, conductor, driver, ctx, instance):
    def api_deletes_while_spawning(double, uuid, updates):
        if 'vm_state' in updates:        # the final update, after spawn
            double.instances[uuid]['task_state'] = states.DELETING
    conductor.before_update = api_deletes_while_spawning
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {}
    inst = conductor.instances[instance['uuid']]
    assert inst['vm_state'] == states.BUILDING
    assert inst['task_state'] == states.DELETING
    assert conductor.called('build_instances') == []
    assert conductor.faults == []


def test_instance_deleted_before_build_touches_nothing(
        manager, conductor, driver, ctx, instance):
    del conductor.instances[instance['uuid']]
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {}
    assert conductor.called('build_instances') == []
    assert conductor.called('action_event_start') == []


def test_duplicate_build_request_leaves_running_guest_alone(
        manager, conductor, driver, ctx, instance):
    _build(manager, ctx, instance)
    _build(manager, ctx, instance)   # e.g. a redelivered cast
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert conductor.instances[instance['uuid']]['vm_state'] == states.ACTIVE


def test_lost_action_event_does_not_fail_the_build(
        manager, conductor, ctx, instance):
    conductor.failures['action_event_start'] = [fakes.messaging_timeout()]
    _build(manager, ctx, instance)
    assert conductor.instances[instance['uuid']]['vm_state'] == states.ACTIVE


def test_libvirt_refusal_reschedules_and_spares_the_other_domain(
        manager, conductor, driver, ctx, instance):
    # Another domain already holds this instance's domain name: libvirt
    # refuses the definition. Cleanup must not touch that other domain.
    squatter = fakes.make_instance(id=instance['id'])
    driver.spawn(squatter, None, [])
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (squatter['uuid'], True)}
    (resched,) = conductor.called('build_instances')
    assert resched['host_list'] == ALTERNATES[1:]
    assert 'instance-0000000b' in resched['reason']
