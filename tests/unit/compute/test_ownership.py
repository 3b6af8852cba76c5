"""The compute agent acts only on its own instances, and only its RPC API is
reachable: requests naming an instance of another host leave the guest
alone, and the agent's hooks and periodic tasks cannot be called over the
bus (a real RPC server on the fake:// transport)."""

import pytest

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import rpc
from novalite.common import service
from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.compute import rpcapi as compute_rpcapi
from novalite.tests.unit.compute import fakes


def _ours_elsewhere(conductor_host='elsewhere'):
    """An instance running here whose record says another host: what a
    stale or forged message would name."""
    return fakes.make_instance(id=61, vm_state=states.ACTIVE, task_state=None,
                               power_state=states.RUNNING,
                               host=conductor_host, node=conductor_host)


@pytest.fixture
def elsewhere(driver):
    inst = _ours_elsewhere()
    driver.spawn(inst, None, [])
    return inst


@pytest.fixture
def mgr(libvirt_conf, driver, elsewhere):
    return compute_manager.ComputeManager(
        libvirt_conf, driver=driver,
        conductor_api=fakes.ConductorDouble(elsewhere))


@pytest.mark.parametrize('method,kwargs', [
    ('terminate_instance', {}),
    ('stop_instance', {'clean_shutdown': False}),
    ('reboot_instance', {'reboot_type': 'HARD'}),
    ('pause_instance', {}),
    ('suspend_instance', {}),
    ('rebuild_instance', {'image_ref': None, 'image_meta': None}),
    ('snapshot_instance', {'image_id': 'i1'}),
])
def test_cast_for_an_instance_of_another_host_leaves_the_guest_running(
        mgr, driver, elsewhere, ctx, caplog, method, kwargs):
    getattr(mgr, method)(ctx, instance=dict(elsewhere, task_state='x'),
                         **kwargs)
    assert fakes.domains(driver)['instance-0000003d'] == (
        elsewhere['uuid'], True)
    assert mgr.conductor.calls == []                # nothing recorded
    assert 'refusing %s of instance %s' % (method, elsewhere['uuid']) in \
        caplog.text


def test_build_for_another_host_defines_nothing(mgr, driver, ctx):
    other = fakes.make_instance(id=62, host='elsewhere')
    mgr.build_and_run_instance(ctx, instance=other, request_spec={},
                               host_list=[])
    assert other['uuid'] not in [u for u, _a in
                                 fakes.domains(driver).values()]
    assert mgr.conductor.calls == []


@pytest.mark.parametrize('method', ['get_diagnostics', 'get_console_output'])
def test_call_for_an_instance_of_another_host_is_refused(mgr, elsewhere, ctx,
                                                         method):
    # Expected: the RPC server sends it back without logging a traceback.
    with pytest.raises(rpc.ExpectedException) as err:
        getattr(mgr, method)(ctx, instance=elsewhere)
    exc = err.value.exc_info[1]
    assert isinstance(exc, exception.InstanceNotFound)
    assert 'is not on host unit-host (its host is elsewhere)' in str(exc)


def test_own_instance_is_served(mgr, driver, elsewhere, ctx):
    mine = dict(elsewhere, host='unit-host')
    assert mgr.get_diagnostics(ctx, instance=mine)['state'] == 'running'


@pytest.fixture
def served(mgr):
    server = service.rpc_server(mgr.conf, compute_rpcapi.TOPIC,
                                compute_rpcapi.RPC_API_VERSION, mgr)
    server.start()
    yield rpc.get_client(mgr.conf, compute_rpcapi.TOPIC,
                         compute_rpcapi.RPC_API_VERSION,
                         server='unit-host').prepare(version='1.2')
    server.stop()
    server.wait()


def test_over_the_bus_a_forged_call_gets_a_clear_error(served, elsewhere):
    ctx = nl_context.get_admin_context()
    with pytest.raises(exception.InstanceNotFound) as err:
        served.call(ctx, 'get_diagnostics', instance=elsewhere)
    assert 'its host is elsewhere' in str(err.value)
    mine = dict(elsewhere, host='unit-host')
    assert served.call(ctx, 'get_diagnostics', instance=mine)['state'] == \
        'running'


@pytest.mark.parametrize('method,kwargs', [
    ('init_host', {}), ('cleanup_host', {}), ('periodic_tasks', {}),
    ('handle_lifecycle_event', {'uuid': 'u', 'power_state': 1}),
    ('_sync_power_states', {}), ('_update_available_resource', {}),
    ('_cleanup_running_deleted_instances', {}), ('_init_instances', {}),
])
def test_over_the_bus_hooks_and_periodic_tasks_are_not_callable(
        served, mgr, method, kwargs):
    with pytest.raises(rpc.NoSuchMethod):
        served.call(nl_context.get_admin_context(), method, **kwargs)
    assert mgr.conductor.calls == []
