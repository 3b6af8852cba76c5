"""The compute manager: delete, start-up reconciliation, power-state sync,
with the real libvirt test hypervisor and a conductor double."""

import threading

import pytest

from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.tests.unit.compute import fakes


def _manager(conf, driver, conductor):
    return compute_manager.ComputeManager(conf, driver=driver,
                                          conductor_api=conductor)


def _active(id, **kw):
    values = dict(vm_state=states.ACTIVE, task_state=None,
                  power_state=states.RUNNING)
    values.update(kw)
    return fakes.make_instance(id=id, **values)


def test_terminate_removes_domain_and_destroys_instance(
        libvirt_conf, driver, ctx):
    inst = _active(21)
    conductor = fakes.ConductorDouble(inst)
    driver.spawn(inst, None, [])
    _manager(libvirt_conf, driver, conductor).terminate_instance(ctx, inst)
    assert fakes.domains(driver) == {}
    assert conductor.called('instance_destroy') == [
        {'instance_uuid': inst['uuid']}]
    assert inst['uuid'] not in conductor.instances


def test_terminate_without_domain_still_deletes(libvirt_conf, driver, ctx):
    inst = _active(22)
    conductor = fakes.ConductorDouble(inst)
    _manager(libvirt_conf, driver, conductor).terminate_instance(ctx, inst)
    assert inst['uuid'] not in conductor.instances


def test_terminate_failure_sets_error_with_fault(
        libvirt_conf, driver, ctx, monkeypatch):
    inst = _active(23, task_state=states.DELETING)
    conductor = fakes.ConductorDouble(inst)

    def broken(_instance):
        raise RuntimeError('libvirt said no')
    monkeypatch.setattr(driver, 'destroy', broken)
    _manager(libvirt_conf, driver, conductor).terminate_instance(ctx, inst)
    row = conductor.instances[inst['uuid']]
    assert (row['vm_state'], row['task_state']) == (states.ERROR, None)
    # State and fault go in one instance_update, as the conductor API has it.
    (update,) = conductor.called('instance_update')
    assert update['updates'] == {'vm_state': states.ERROR,
                                 'task_state': None}
    assert 'libvirt said no' in update['fault']['message']
    assert update['fault']['host'] == 'unit-host'
    (fault,) = conductor.faults
    assert 'libvirt said no' in fault['message']


def test_delete_mid_build_waits_for_the_build_then_cleans_up(
        libvirt_conf, driver, ctx, monkeypatch):
    inst = fakes.make_instance(id=24)
    conductor = fakes.ConductorDouble(inst)
    mgr = _manager(libvirt_conf, driver, conductor)
    spawning, release = threading.Event(), threading.Event()
    real_spawn = driver.spawn

    def slow_spawn(*args, **kwargs):
        real_spawn(*args, **kwargs)
        spawning.set()
        release.wait(5)
    monkeypatch.setattr(driver, 'spawn', slow_spawn)
    builder = threading.Thread(target=mgr.build_and_run_instance, args=(
        ctx, inst, {}, []))
    builder.start()
    assert spawning.wait(5)
    # The API marks the delete, then casts terminate_instance.
    conductor.instances[inst['uuid']]['task_state'] = states.DELETING
    deleter = threading.Thread(target=mgr.terminate_instance,
                               args=(ctx, dict(inst)))
    deleter.start()
    deleter.join(0.2)
    assert deleter.is_alive()                       # waits for the lock
    assert conductor.called('instance_destroy') == []
    release.set()
    builder.join(5)
    deleter.join(5)
    assert fakes.domains(driver) == {}
    assert inst['uuid'] not in conductor.instances
    assert conductor.called('build_instances') == []
    assert not mgr.locks._locks                      # nothing leaks


def test_init_host_reports_libvirt_resources(libvirt_conf, driver, ctx):
    conductor = fakes.ConductorDouble()
    _manager(libvirt_conf, driver, conductor).init_host()
    (report,) = conductor.called('compute_node_update')
    _model, memory_mb, cpus = driver.host.get_connection().getInfo()[:3]
    res = report['resources']
    assert (report['host'], report['nodename']) == ('unit-host', 'unit-host')
    assert (res['vcpus'], res['memory_mb']) == (cpus, memory_mb)
    assert res['hypervisor_type'] == 'TEST'
    assert res['reserved_host_memory_mb'] == \
        libvirt_conf.compute.reserved_host_memory_mb
    assert res['cpu_allocation_ratio'] == \
        libvirt_conf.compute.cpu_allocation_ratio
    assert set(res) == {'vcpus', 'memory_mb', 'local_gb', 'hypervisor_type',
                        'hypervisor_version', 'reserved_host_memory_mb',
                        'reserved_host_disk_mb', 'cpu_allocation_ratio',
                        'ram_allocation_ratio', 'disk_allocation_ratio'}


def test_init_host_reschedules_builds_whose_guest_never_started(
        libvirt_conf, driver, ctx):
    """Finish rather than fail: a build interrupted before its guest ran
    goes back to the conductor to be scheduled elsewhere (its alternates
    died with the message, so host_list None), not to ERROR."""
    early = fakes.make_instance(id=31, task_state=states.NETWORKING)
    halfway = fakes.make_instance(id=38, task_state=states.SPAWNING)
    other_host = fakes.make_instance(id=32, host='elsewhere')
    conductor = fakes.ConductorDouble(early, halfway, other_host)
    driver.spawn(halfway, None, [])        # half-made guest of the dead agent
    driver.host.lookup(halfway['uuid']).destroy()     # defined, not running
    _manager(libvirt_conf, driver, conductor).init_host()
    calls = conductor.called('build_instances')
    assert sorted(c['instance']['uuid'] for c in calls) == sorted(
        [early['uuid'], halfway['uuid']])
    for call in calls:
        assert call['host_list'] is None and call['request_spec'] is None
        assert call['failed_host'] == 'unit-host'
        assert call['reason'] == compute_manager.INTERRUPTED_BUILD
        # The restart stopped it, not this host: it may come back here.
        assert call['exclude_failed_host'] is False
    assert conductor.faults == []
    assert fakes.domains(driver) == {}
    assert conductor.instances[other_host['uuid']]['vm_state'] == \
        states.BUILDING


def test_init_host_finishes_a_spawned_build_whose_guest_runs(
        libvirt_conf, driver, ctx):
    inst = fakes.make_instance(id=39, task_state=states.SPAWNING)
    conductor = fakes.ConductorDouble(inst)
    driver.spawn(inst, None, [])
    _manager(libvirt_conf, driver, conductor).init_host()
    row = conductor.instances[inst['uuid']]
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ACTIVE, None, states.RUNNING)
    assert row['launched_at']
    assert conductor.called('build_instances') == []
    assert inst['uuid'] in fakes.domains(driver)['instance-00000027'][0]


def test_init_host_syncs_vanished_domains_and_spares_strangers(
        libvirt_conf, driver, ctx, caplog):
    alive, vanished = _active(33), _active(34)
    stranger = fakes.make_instance(id=35)    # a domain no instance owns
    conductor = fakes.ConductorDouble(alive, vanished)
    driver.spawn(alive, None, [])
    driver.spawn(stranger, None, [])
    _manager(libvirt_conf, driver, conductor).init_host()
    assert conductor.instances[vanished['uuid']]['power_state'] == \
        states.NOSTATE
    # (The lifecycle event of alive's start may also rewrite its RUNNING.)
    updates = conductor.called('instance_update')
    assert vanished['uuid'] in [u['instance_uuid'] for u in updates]
    assert stranger['uuid'] not in [u['instance_uuid'] for u in updates]
    assert (conductor.instances[alive['uuid']]['vm_state'],
            conductor.instances[alive['uuid']]['power_state']) == (
        states.ACTIVE, states.RUNNING)
    assert stranger['uuid'] in fakes.domains(driver)['instance-00000023']
    assert 'belongs to no instance' in caplog.text


def test_init_host_finishes_an_interrupted_delete(libvirt_conf, driver, ctx):
    inst = _active(36, task_state=states.DELETING)
    conductor = fakes.ConductorDouble(inst)
    driver.spawn(inst, None, [])
    _manager(libvirt_conf, driver, conductor).init_host()
    assert inst['uuid'] not in conductor.instances
    assert fakes.domains(driver) == {}


def test_init_host_waits_for_the_conductor(libvirt_conf, driver):
    conductor = fakes.ConductorDouble(fakes.make_instance(id=37))
    conductor.failures['compute_node_update'] = [
        fakes.messaging_timeout(), fakes.messaging_timeout()]
    mgr = _manager(libvirt_conf, driver, conductor)
    slept = []
    mgr.resource_tracker._sleep = slept.append
    mgr.init_host()
    assert len(conductor.called('compute_node_update')) == 3
    assert slept == [0.2, 0.4]
    assert len(conductor.called('build_instances')) == 1


def test_conductor_away_too_long_defers_the_instance_check(
        libvirt_conf, driver, ctx):
    libvirt_conf.set_override('conductor_wait_timeout', 0, group='compute')
    stuck = fakes.make_instance(id=38)
    conductor = fakes.ConductorDouble(stuck)
    conductor.failures['compute_node_update'] = [fakes.messaging_timeout()]
    mgr = _manager(libvirt_conf, driver, conductor)
    mgr.init_host()                         # does not raise
    assert conductor.called('instance_get_all_by_host') == []
    periodic = dict((task.__name__, task) for _i, task in
                    mgr.periodic_tasks())
    periodic['_update_available_resource'](ctx)
    assert [c['instance']['uuid'] for c in
            conductor.called('build_instances')] == [stuck['uuid']]
    periodic['_update_available_resource'](ctx)
    assert len(conductor.called('instance_get_all_by_host')) == 1


def test_periodic_tasks_use_configured_intervals(libvirt_conf, driver):
    libvirt_conf.set_override('resource_update_interval', 7, group='compute')
    libvirt_conf.set_override('sync_power_state_interval', 13,
                              group='compute')
    libvirt_conf.set_override('running_deleted_instance_poll_interval', 17,
                              group='compute')
    mgr = _manager(libvirt_conf, driver, fakes.ConductorDouble())
    assert sorted(i for i, _t in mgr.periodic_tasks()) == [7, 13, 17]
    # 0 turns the periodic reap off (the start-up check remains).
    libvirt_conf.set_override('running_deleted_instance_poll_interval', 0,
                              group='compute')
    assert sorted(i for i, _t in mgr.periodic_tasks()) == [7, 13]


def test_power_sync_writes_only_differences_and_stops_powered_off_guests(
        libvirt_conf, driver, ctx):
    running, stopped = _active(41), _active(42)
    busy = _active(43, task_state='rebooting', power_state=states.NOSTATE)
    conductor = fakes.ConductorDouble(running, stopped, busy)
    for inst in (running, stopped, busy):
        driver.spawn(inst, None, [])
    driver.host.lookup(stopped['uuid']).destroy()
    mgr = _manager(libvirt_conf, driver, conductor)
    mgr._sync_power_states(ctx)
    assert len(conductor.called('instance_get_all_by_host')) == 1
    updates = conductor.called('instance_update')
    assert [(u['instance_uuid'], u['updates']) for u in updates] == [
        (stopped['uuid'], {'power_state': states.SHUTDOWN,
                           'vm_state': states.STOPPED})]
    assert updates[0]['expected_task_state'] == [None]
    assert states.api_status(conductor.instances[stopped['uuid']][
        'vm_state']) == 'SHUTOFF'
    assert conductor.instances[busy['uuid']]['power_state'] == states.NOSTATE


@pytest.mark.parametrize('method', ['build_and_run_instance',
                                    'terminate_instance'])
def test_endpoint_signatures_match_the_rpc_client(method):
    import inspect
    from novalite.compute import rpcapi
    client = inspect.signature(getattr(rpcapi.ComputeAPI, method))
    server = inspect.signature(getattr(compute_manager.ComputeManager, method))
    client_args = [p for p in client.parameters if p not in ('self', 'host')]
    assert [p for p in server.parameters if p != 'self'] == client_args


def test_a_security_group_fanout_for_other_hosts_is_dropped(
        libvirt_conf, driver, monkeypatch):
    """RPC 1.5: a fanout names the hosts it is for; another host does not
    touch its filters (and a malformed list is not matched by substring)."""
    mgr = _manager(libvirt_conf, driver, fakes.ConductorDouble())
    applied = []
    monkeypatch.setattr(driver, 'refresh_security_groups',
                        lambda groups, ports: applied.append(groups) or [])
    host = libvirt_conf.host
    mgr.refresh_security_groups(None, {'g1': []}, hosts=['other'])
    assert applied == []
    mgr.refresh_security_groups(None, {'g2': []}, hosts=['other', host])
    mgr.refresh_security_groups(None, {'g3': []})           # 1.4: all
    mgr.refresh_security_groups(None, {'g4': []}, hosts=host + 'x')
    assert applied == [{'g2': []}, {'g3': []}, {'g4': []}]
