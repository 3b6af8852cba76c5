"""Building an instance: the task-state walk, reschedule and delete races,
with the real libvirt test hypervisor and a conductor double."""

import oslo_messaging
import pytest

from novalite.common import exception
from novalite.common import states
from novalite.compute import build as build_mod
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


def _fail_spawn(driver, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError('guest exploded')
    monkeypatch.setattr(driver, 'spawn', fail)


def _build(manager, ctx, instance, host_list=()):
    manager.build_and_run_instance(
        ctx, instance, {'image': {'id': 'img-1'}}, list(host_list),
        admin_password=None, requested_networks=[], node='unit-host')


def test_build_is_two_state_changes_and_ends_active_running(
        manager, conductor, driver, ctx, instance):
    """scheduling -> spawning opens the build's event, spawning -> ACTIVE
    closes it: two conductor round trips for the whole build."""
    _build(manager, ctx, instance)
    updates = conductor.called('instance_update')
    walk = [(kw['expected_task_state'], kw['updates'].get('task_state'))
            for kw in updates]
    assert walk == [(states.SCHEDULING, states.SPAWNING),
                    (states.SPAWNING, None)]
    assert [kw['expected_host'] for kw in updates] == ['unit-host'] * 2
    assert [kw['action_event'] for kw in updates] == [
        {'event': 'compute_build_and_run_instance', 'phase': 'start',
         'host': 'unit-host'},
        {'event': 'compute_build_and_run_instance', 'phase': 'finish',
         'host': 'unit-host', 'result': 'Success'}]
    assert conductor.called('action_event_start') == []
    assert conductor.called('action_event_finish') == []
    final = conductor.instances[instance['uuid']]
    assert final['vm_state'] == states.ACTIVE
    assert final['power_state'] == states.RUNNING
    assert final['task_state'] is None
    assert final['launched_at']
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
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


def test_lost_error_event_does_not_stop_the_reschedule(
        manager, conductor, driver, ctx, instance, monkeypatch):
    conductor.failures['action_event_finish'] = [fakes.messaging_timeout()]
    _fail_spawn(driver, monkeypatch)
    _build(manager, ctx, instance, ALTERNATES)
    assert len(conductor.called('build_instances')) == 1


def test_a_rescheduled_build_carries_the_admin_password(
        manager, conductor, driver, ctx, instance, monkeypatch):
    _fail_spawn(driver, monkeypatch)
    manager.build_and_run_instance(
        ctx, instance, {'image': {'id': 'img'}}, ALTERNATES,
        admin_password='s3cret-Pass', requested_networks=[],
        node='unit-host')
    (call,) = conductor.called('build_instances')
    assert call['admin_password'] == 's3cret-Pass'


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


def _lose_answer_of_active_write(conductor):
    """The conductor writes ACTIVE, then the bus drops the answer (what
    closing RabbitMQ's connections mid-build did)."""
    real = conductor.instance_update

    def update(ctxt, instance_uuid, updates, **kw):
        result = real(ctxt, instance_uuid, updates, **kw)
        if updates.get('vm_state') == states.ACTIVE:
            raise oslo_messaging.MessagingTimeout('answer lost')
        return result
    conductor.instance_update = update


def test_lost_answer_to_the_active_write_keeps_the_guest(
        manager, conductor, driver, ctx, instance):
    # Regression: the guest was destroyed and a reschedule asked for,
    # leaving the server ACTIVE in the database with no domain anywhere.
    _lose_answer_of_active_write(conductor)
    _build(manager, ctx, instance, ALTERNATES)
    final = conductor.instances[instance['uuid']]
    assert (final['vm_state'], final['task_state']) == (states.ACTIVE, None)
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert conductor.called('build_instances') == []


def test_unanswerable_read_back_keeps_the_guest_for_recovery(
        manager, conductor, driver, ctx, instance, monkeypatch):
    monkeypatch.setattr(build_mod, 'READ_BACK_ATTEMPTS', 2)
    monkeypatch.setattr(build_mod.time, 'sleep', lambda s: None)
    _lose_answer_of_active_write(conductor)
    conductor.failures['instance_get_by_uuids'] = [
        oslo_messaging.MessagingTimeout('bus down')] * 2
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert conductor.called('build_instances') == []


def _fail_first_active_write(conductor, meanwhile=None):
    """The first ACTIVE write fails before the conductor runs it (its
    message still in flight); ``meanwhile(uuid)`` runs first."""
    real = conductor.instance_update
    lost = []

    def update(ctxt, instance_uuid, updates, **kw):
        if updates.get('vm_state') == states.ACTIVE and not lost:
            lost.append(True)
            if meanwhile:
                meanwhile(instance_uuid)
            raise oslo_messaging.MessagingTimeout('answer lost')
        return real(ctxt, instance_uuid, updates, **kw)
    conductor.instance_update = update


def test_delayed_active_write_is_sent_again_not_rolled_back(
        manager, conductor, driver, ctx, instance, monkeypatch):
    """The ACTIVE write's answer is lost before the conductor even ran it
    (RabbitMQ's connections closed with it in flight): reading the row
    back then shows spawning. The agent used to destroy the guest and ask
    for a reschedule, and the delayed write then made the server ACTIVE
    with no domain (MariaDB chaos run). It now sends the write again."""
    monkeypatch.setattr(build_mod.time, 'sleep', lambda s: None)
    _fail_first_active_write(conductor)
    _build(manager, ctx, instance, ALTERNATES)
    final = conductor.instances[instance['uuid']]
    assert (final['vm_state'], final['task_state']) == (states.ACTIVE, None)
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert conductor.called('build_instances') == []


def test_a_server_deleted_while_the_answer_was_lost_loses_its_guest(
        manager, conductor, driver, ctx, instance, monkeypatch):
    monkeypatch.setattr(build_mod.time, 'sleep', lambda s: None)

    def delete(instance_uuid):
        conductor.instances[instance_uuid]['task_state'] = states.DELETING
    _fail_first_active_write(conductor, meanwhile=delete)
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {}
    assert conductor.called('build_instances') == []


def _lose_answer_of_spawning_write(conductor):
    """The conductor records scheduling -> spawning, then the bus drops
    the answer."""
    real = conductor.instance_update
    lost = []

    def update(ctxt, instance_uuid, updates, **kw):
        result = real(ctxt, instance_uuid, updates, **kw)
        if updates.get('task_state') == states.SPAWNING and not lost:
            lost.append(True)
            raise oslo_messaging.MessagingTimeout('answer lost')
        return result
    conductor.instance_update = update


def test_lost_answer_to_the_first_write_still_builds(
        manager, conductor, driver, ctx, instance, monkeypatch):
    """RabbitMQ's connections closed while the conductor answered the
    scheduling -> spawning write: the agent used to drop the build, and
    the spawning server sat there until instance_build_timeout put it in
    ERROR (the chaos test's RabbitMQ case). The retry is refused, the row
    read back says spawning here: the build goes on."""
    monkeypatch.setattr(build_mod.time, 'sleep', lambda s: None)
    _lose_answer_of_spawning_write(conductor)
    _build(manager, ctx, instance, ALTERNATES)
    final = conductor.instances[instance['uuid']]
    assert (final['vm_state'], final['task_state']) == (states.ACTIVE, None)
    assert fakes.domains(driver) == {'instance-0000000b':
                                     (instance['uuid'], True)}
    assert conductor.called('build_instances') == []


def test_first_write_never_answered_builds_nothing(
        manager, conductor, driver, ctx, instance, monkeypatch):
    """The bus stays down for every try: nothing is built and the row is
    left to the conductor's recovery (still scheduling on this host: it
    is rescheduled after build_recovery_grace)."""
    monkeypatch.setattr(build_mod, 'READ_BACK_ATTEMPTS', 2)
    monkeypatch.setattr(build_mod.time, 'sleep', lambda s: None)
    conductor.failures['instance_update'] = [
        oslo_messaging.MessagingTimeout('bus down')] * 2
    _build(manager, ctx, instance, ALTERNATES)
    assert fakes.domains(driver) == {}
    assert conductor.instances[instance['uuid']]['task_state'] == \
        states.SCHEDULING
    assert conductor.called('build_instances') == []
