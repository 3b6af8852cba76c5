"""list_guests and reap_guests (compute RPC 1.3, for novalite-manage audit)
on libvirt's test hypervisor."""

import os

from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.tests.unit.compute import fakes


def _active(id, **kw):
    return fakes.make_instance(id=id, vm_state=states.ACTIVE,
                               task_state=None, power_state=states.RUNNING,
                               **kw)


def test_list_guests_shows_domains_and_instance_dirs(libvirt_conf, driver,
                                                     ctx):
    mine, stranger = _active(51), _active(52)
    mgr = compute_manager.ComputeManager(
        libvirt_conf, driver=driver,
        conductor_api=fakes.ConductorDouble(mine))
    driver.spawn(mine, None, [])
    driver.spawn(stranger, None, [])
    os.makedirs(os.path.join(driver.instances_path, '_base'), exist_ok=True)
    os.makedirs(os.path.join(driver.instances_path, mine['uuid']),
                exist_ok=True)
    guests = mgr.list_guests(ctx)
    assert guests['host'] == 'unit-host'
    assert guests['domains'][mine['uuid']] == {
        'novalite': True, 'power_state': states.RUNNING, 'nics': []}
    assert guests['networks'] == {}
    assert stranger['uuid'] in guests['domains']
    assert mine['uuid'] in guests['instance_dirs']
    assert '_base' not in guests['instance_dirs']
    assert guests['instances_path'] == os.path.realpath(
        driver.instances_path)


def test_reap_guests_removes_only_what_is_not_ours(libvirt_conf, driver,
                                                   ctx):
    mine, moved, deleted = _active(53), _active(54), _active(55)
    conductor = fakes.ConductorDouble(mine, dict(moved, host='other'),
                                      deleted)
    conductor.instance_destroy(ctx, deleted['uuid'])
    mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                         conductor_api=conductor)
    for inst in (mine, moved, deleted):
        driver.spawn(inst, None, [])
        os.makedirs(os.path.join(driver.instances_path, inst['uuid']),
                    exist_ok=True)
    done = mgr.reap_guests(ctx, [mine['uuid'], moved['uuid'],
                                 deleted['uuid'], 'unknown-uuid'])
    assert sorted(done) == sorted([moved['uuid'], deleted['uuid']])
    left = {u for u, _a in fakes.domains(driver).values()}
    assert mine['uuid'] in left
    assert not {moved['uuid'], deleted['uuid']} & left
    assert not os.path.exists(os.path.join(driver.instances_path,
                                           deleted['uuid']))
