"""Guests of deleted or moved instances are reaped at start and
periodically; domains of no instance, or not novalite's, are left alone.
Real libvirt test hypervisor; the conductor as a double and, once, the real
conductor over fake:// with a real database."""

import os
import uuid as uuidlib

import pytest

from novalite.common import context as nl_context
from novalite.common.db import instances as instances_db
from novalite.common import service
from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.conductor import manager as conductor_manager
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite.tests.unit.compute import fakes
from novalite.tests.unit.conductor import test_build as conductor_tests

FOREIGN_XML = """<domain type='test'><name>%s</name><uuid>%s</uuid>
<memory>1024</memory><os><type>hvm</type></os></domain>"""


def _active(id, **kw):
    values = dict(vm_state=states.ACTIVE, task_state=None,
                  power_state=states.RUNNING)
    values.update(kw)
    return fakes.make_instance(id=id, **values)


def _uuids(driver):
    return {u for u, _active in fakes.domains(driver).values()}


def _files(conf, uuid):
    path = os.path.join(conf.libvirt.instances_path, uuid)
    os.makedirs(path)
    with open(os.path.join(path, 'disk'), 'w') as out:
        out.write('x')
    return path


@pytest.fixture
def foreign(driver):
    """A domain the operator defined: no novalite metadata."""
    uuid = str(uuidlib.uuid4())
    dom = driver.host.get_connection().defineXML(
        FOREIGN_XML % ('operator-guest', uuid))
    dom.create()
    yield uuid
    if dom.isActive():
        dom.destroy()
    dom.undefine()


def test_init_host_reaps_deleted_and_moved_and_spares_the_rest(
        libvirt_conf, driver, ctx, foreign, caplog):
    kept, deleted, moved = _active(71), _active(72), _active(73)
    stranger = _active(74)                  # novalite's, but no instance
    conductor = fakes.ConductorDouble(kept, deleted, moved)
    for inst in (kept, deleted, moved, stranger):
        driver.spawn(inst, None, [])
    # Deleted by the API while this host was down; moved by a reschedule.
    conductor.instance_destroy(ctx, deleted['uuid'])
    conductor.instances[moved['uuid']]['host'] = 'other-host'
    files = {i['uuid']: _files(libvirt_conf, i['uuid'])
             for i in (kept, deleted, moved)}
    conductor.calls.clear()

    compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                   conductor_api=conductor).init_host()

    assert _uuids(driver) == {kept['uuid'], stranger['uuid']}
    assert driver.host.lookup(foreign).isActive()
    assert not os.path.exists(files[deleted['uuid']])
    # The moved instance's files stay: with a shared instances_path they
    # are the new host's.
    assert os.path.exists(files[moved['uuid']])
    assert os.path.exists(files[kept['uuid']])
    # One question for all domains; the reap writes nothing.
    (query,) = conductor.called('instance_get_by_uuids')
    assert set(query['instance_uuids']) == {
        kept['uuid'], deleted['uuid'], moved['uuid'], stranger['uuid']}
    assert query['read_deleted'] == 'yes'
    assert conductor.called('instance_destroy') == []
    assert conductor.instances[moved['uuid']]['host'] == 'other-host'
    assert 'destroying domain %s and its files: the instance is deleted' % (
        deleted['uuid']) in caplog.text
    assert ('destroying domain %s: the instance is assigned '
            'to host other-host' % moved['uuid']) in caplog.text
    assert 'domain %s belongs to no instance' % stranger['uuid'] in \
        caplog.text


def test_periodic_task_reaps_a_guest_deleted_meanwhile(
        libvirt_conf, driver, ctx):
    inst = _active(75)
    conductor = fakes.ConductorDouble(inst)
    driver.spawn(inst, None, [])
    mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                         conductor_api=conductor)
    mgr.init_host()
    assert _uuids(driver) == {inst['uuid']}
    conductor.instance_destroy(ctx, inst['uuid'])     # an API local delete
    periodic = {task.__name__: task for _i, task in mgr.periodic_tasks()}
    periodic['_cleanup_running_deleted_instances'](ctx)
    assert _uuids(driver) == set()


@pytest.mark.parametrize('action', ['log', 'noop'])
def test_log_and_noop_leave_the_guest_running(libvirt_conf, driver, ctx,
                                              caplog, action):
    libvirt_conf.set_override('running_deleted_instance_action', action,
                              group='compute')
    inst = _active(76)
    conductor = fakes.ConductorDouble(inst)
    driver.spawn(inst, None, [])
    conductor.instance_destroy(ctx, inst['uuid'])
    compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                   conductor_api=conductor).init_host()
    assert fakes.domains(driver) == {'instance-0000004c': (inst['uuid'],
                                                           True)}
    logged = 'domain %s still runs on this host but the instance is ' \
        'deleted' % inst['uuid']
    if action == 'log':
        assert logged in caplog.text
    else:
        assert logged not in caplog.text
        assert conductor.called('instance_get_by_uuids') == []


def test_a_failing_reap_is_logged_and_the_others_still_go(
        libvirt_conf, driver, ctx, monkeypatch):
    first, second = _active(77), _active(78)
    conductor = fakes.ConductorDouble(first, second)
    for inst in (first, second):
        driver.spawn(inst, None, [])
        conductor.instance_destroy(ctx, inst['uuid'])
    real_destroy = driver.destroy

    def destroy(instance, keep_files=False):
        if instance['uuid'] == first['uuid']:
            raise RuntimeError('libvirt said no')
        real_destroy(instance, keep_files)
    monkeypatch.setattr(driver, 'destroy', destroy)
    mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                         conductor_api=conductor)
    assert mgr.reaper.run(ctx) == {
        first['uuid']: 'the instance is deleted',
        second['uuid']: 'the instance is deleted'}
    assert _uuids(driver) == {first['uuid']}


def test_reap_through_the_real_conductor(db, libvirt_conf, driver, ctx):
    """The agent's question crosses the bus to the real conductor and its
    database: a server deleted locally by the API (host down) is reaped,
    a live one on this host is kept."""
    (live, gone), _spec = conductor_tests._boot(ctx, n=2)
    admin = nl_context.get_admin_context()
    for uuid in (live, gone):
        inst = instances_db.update(admin, uuid, {'host': 'unit-host',
                                                 'node': 'unit-host'})
        driver.spawn(inst, None, [])
    instances_db.destroy(admin, gone)          # the API's local delete
    server = service.rpc_server(
        db, conductor_rpcapi.TOPIC, conductor_rpcapi.RPC_API_VERSION,
        conductor_manager.ConductorManager(
            db, scheduler_client=object(), compute_client=object()))
    server.start()
    try:
        mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver)
        assert mgr.reaper.run(admin) == {gone: 'the instance is deleted'}
    finally:
        server.stop()
        server.wait()
    assert _uuids(driver) == {live}
