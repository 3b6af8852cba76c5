"""Power actions, lifecycle events and snapshots on libvirt's test
hypervisor (real libvirt; QEMU guests are in test_driver_qemu.py)."""

import time

import pytest

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.compute.image import client as image_client
from novalite.tests.unit.compute import fakes

ALICE = nl_context.RequestContext(user_id='alice', project_id='p1')


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def guest(driver):
    inst = fakes.make_instance(id=61, vm_state=states.ACTIVE, task_state=None,
                               power_state=states.RUNNING)
    driver.spawn(inst, None, [])
    return inst


def test_power_off_and_on(driver, guest):
    driver.power_off(guest, timeout=5)
    assert driver.get_power_state(guest) == states.SHUTDOWN
    assert driver.instance_exists(guest['uuid'])    # still defined
    driver.power_off(guest)                          # already off: fine
    driver.power_on(guest)
    assert driver.get_power_state(guest) == states.RUNNING


def test_power_off_without_clean_shutdown_destroys(driver, guest):
    driver.power_off(guest, clean_shutdown=False)
    assert driver.get_power_state(guest) == states.SHUTDOWN


@pytest.mark.parametrize('reboot_type', ['SOFT', 'HARD'])
def test_reboot_leaves_it_running(driver, guest, reboot_type):
    driver.reboot(guest, reboot_type)
    assert driver.get_power_state(guest) == states.RUNNING


def test_soft_reboot_of_a_paused_guest_falls_back_to_hard(driver, guest):
    driver.pause(guest)
    driver.reboot(guest, 'SOFT')
    assert driver.get_power_state(guest) == states.RUNNING


def test_pause_unpause_suspend_resume(driver, guest):
    driver.pause(guest)
    assert driver.get_power_state(guest) == states.POWER_PAUSED
    driver.unpause(guest)
    assert driver.get_power_state(guest) == states.RUNNING
    driver.suspend(guest)
    dom = driver.host.lookup(guest['uuid'])
    assert dom.hasManagedSaveImage(0)
    assert driver.get_power_state(guest) == states.SHUTDOWN
    driver.resume(guest)
    assert driver.get_power_state(guest) == states.RUNNING
    assert not dom.hasManagedSaveImage(0)


def test_actions_on_a_missing_domain_are_instance_not_found(driver):
    ghost = fakes.make_instance(id=62)
    for action in (driver.power_on, driver.pause, driver.suspend,
                   driver.get_console_output):
        with pytest.raises(exception.InstanceNotFound):
            action(ghost)
    assert driver.get_power_state(ghost) == states.NOSTATE


def test_console_output_of_the_test_hypervisor_is_empty(driver, guest):
    assert driver.get_console_output(guest) == ''


def test_console_output_tail(driver, guest, libvirt_conf):
    import os
    path = os.path.join(libvirt_conf.libvirt.instances_path, guest['uuid'])
    os.makedirs(path)
    with open(os.path.join(path, 'console.log'), 'w') as log:
        log.write(''.join('line %d\n' % i for i in range(10)))
    assert driver.get_console_output(guest, tail_length=2) == \
        'line 8\nline 9\n'
    assert driver.get_console_output(guest).count('\n') == 10


def test_snapshot_uploads_qcow2_into_the_queued_image(
        driver, guest, images, conf):
    client = image_client.ImageClient(conf)
    target = images.create(name='snap', disk_format=None,
                           container_format=None)
    driver.snapshot(ALICE, guest, target['id'], client)
    snap = client.show(ALICE, target['id'])
    assert snap['status'] == 'active'
    assert (snap['disk_format'], snap['container_format']) == ('qcow2',
                                                               'bare')
    assert snap['size'] > 0


# -- lifecycle events reach the manager -------------------------------------

@pytest.fixture
def watched(libvirt_conf, driver, guest):
    conductor = fakes.ConductorDouble(guest)
    mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                         conductor_api=conductor)
    mgr.init_host()
    return conductor


def test_guest_that_powers_off_becomes_stopped(driver, guest, watched):
    driver.host.lookup(guest['uuid']).destroy()   # as if it shut down
    assert _wait(lambda: watched.instances[guest['uuid']]['vm_state'] ==
                 states.STOPPED)
    assert watched.instances[guest['uuid']]['power_state'] == states.SHUTDOWN
    assert states.api_status(states.STOPPED) == 'SHUTOFF'


def test_guest_paused_behind_our_back_gets_paused_power_state(
        driver, guest, watched):
    driver.host.lookup(guest['uuid']).suspend()     # virsh suspend
    assert _wait(lambda: watched.instances[guest['uuid']]['power_state'] ==
                 states.POWER_PAUSED)
    assert watched.instances[guest['uuid']]['vm_state'] == states.ACTIVE


def test_events_during_a_task_are_left_to_the_task(driver, guest, watched):
    watched.instances[guest['uuid']]['task_state'] = 'powering-off'
    driver.host.lookup(guest['uuid']).destroy()
    assert _wait(lambda: any(
        kw['instance_uuid'] == guest['uuid']
        for kw in watched.called('instance_update')))
    time.sleep(0.2)
    inst = watched.instances[guest['uuid']]
    assert (inst['vm_state'], inst['power_state']) == (states.ACTIVE,
                                                       states.RUNNING)


def test_events_of_unknown_domains_are_ignored(driver, guest, watched):
    stranger = fakes.make_instance(id=63)
    driver.spawn(stranger, None, [])
    driver.host.lookup(guest['uuid']).suspend()
    # Events are handled in order: once the guest's is in, the stranger's
    # was handled (and ignored) before it.
    assert _wait(lambda: watched.instances[guest['uuid']]['power_state'] ==
                 states.POWER_PAUSED)
    assert stranger['uuid'] not in watched.instances


def test_events_of_our_own_actions_cost_no_write(driver, guest, watched):
    # The action that called the driver records the state itself.
    for action in (driver.pause, driver.unpause, driver.power_off,
                   driver.power_on, driver.suspend, driver.resume):
        action(guest)
        time.sleep(0.2)    # its events are handled meanwhile
    assert watched.called('instance_update') == []
    driver.host.lookup(guest['uuid']).destroy()     # but not this one
    assert _wait(lambda: watched.instances[guest['uuid']]['vm_state'] ==
                 states.STOPPED)


def test_event_of_a_deleted_domain_writes_nothing(driver, guest, watched):
    driver.destroy(guest)
    time.sleep(0.3)
    assert watched.called('instance_update') == []
    assert watched.instances[guest['uuid']]['vm_state'] == states.ACTIVE
