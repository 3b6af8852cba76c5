"""Server actions on the compute agent: the real libvirt driver on libvirt's
test hypervisor (test:///default), a conductor double for the database, and
small doubles where the test hypervisor has nothing to act on (snapshots
need a disk) or a failure must be injected."""

import libvirt
import pytest

from novalite.common import exception
from novalite.common import states
from novalite.compute import actions
from novalite.compute import manager as compute_manager
from novalite.compute.virt.libvirt import storage
from novalite.tests.unit.compute import fakes

NEW_IMAGE = '0e7c5a1e-4b3f-4f31-9d5e-8d3a7c2f6b11'


def _setup(libvirt_conf, driver, id, **values):
    """An instance whose domain runs, in the state ``values`` give, and a
    manager over the conductor double holding it."""
    values.setdefault('vm_state', states.ACTIVE)
    values.setdefault('task_state', None)
    values.setdefault('power_state', states.RUNNING)
    inst = fakes.make_instance(id=id, **values)
    driver.spawn(inst, None, [])
    conductor = fakes.ConductorDouble(inst)
    mgr = compute_manager.ComputeManager(libvirt_conf, driver=driver,
                                         conductor_api=conductor)
    return inst, conductor, mgr


def _begin(conductor, inst, task_state):
    """What the API does before it casts: set the starting task_state."""
    conductor.instances[inst['uuid']]['task_state'] = task_state
    return dict(conductor.instances[inst['uuid']])


def _row(conductor, inst):
    row = conductor.instances[inst['uuid']]
    return row['vm_state'], row['task_state'], row['power_state']


def _dom_state(driver, inst):
    return driver.host.lookup(inst['uuid']).state()[0]


def _events(conductor):
    starts = [kw['event'] for kw in conductor.called('action_event_start')]
    ends = [(kw['event'], kw['result'])
            for kw in conductor.called('action_event_finish')]
    return starts, ends


def _task_steps(conductor):
    return [(kw['expected_task_state'], kw['updates'].get('task_state'))
            for kw in conductor.called('instance_update')]


def test_stop_then_start(libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 31)
    mgr.stop_instance(ctx, _begin(conductor, inst, states.POWERING_OFF))
    assert _row(conductor, inst) == (states.STOPPED, None, states.SHUTDOWN)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_SHUTOFF

    mgr.start_instance(ctx, _begin(conductor, inst, states.POWERING_ON))
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_RUNNING
    assert _events(conductor) == (
        ['compute_stop_instance', 'compute_start_instance'],
        [('compute_stop_instance', 'Success'),
         ('compute_start_instance', 'Success')])
    assert conductor.called('action_event_start')[0]['host'] == 'unit-host'


def test_pause_then_unpause(libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 32)
    mgr.pause_instance(ctx, _begin(conductor, inst, states.PAUSING))
    assert _row(conductor, inst) == (states.PAUSED, None,
                                     states.POWER_PAUSED)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_PAUSED

    mgr.unpause_instance(ctx, _begin(conductor, inst, states.UNPAUSING))
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_RUNNING


def test_suspend_saves_the_guest_and_resume_restores_it(
        libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 33)
    mgr.suspend_instance(ctx, _begin(conductor, inst, states.SUSPENDING))
    assert _row(conductor, inst) == (states.SUSPENDED, None, states.SHUTDOWN)
    dom = driver.host.lookup(inst['uuid'])
    assert not dom.isActive() and dom.hasManagedSaveImage(0)

    mgr.resume_instance(ctx, _begin(conductor, inst, states.RESUMING))
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert dom.isActive() and not dom.hasManagedSaveImage(0)


@pytest.mark.parametrize('reboot_type,first,started', [
    ('SOFT', states.REBOOTING, states.REBOOT_STARTED),
    ('HARD', states.REBOOTING_HARD, states.REBOOT_STARTED_HARD)])
def test_reboot_walks_nova_task_states(libvirt_conf, driver, ctx,
                                       reboot_type, first, started):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 34)
    mgr.reboot_instance(ctx, _begin(conductor, inst, first), reboot_type)
    assert _task_steps(conductor) == [(first, started), (started, None)]
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_RUNNING


def test_hard_reboot_of_a_stopped_server_starts_it(libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 35,
                                  vm_state=states.STOPPED,
                                  power_state=states.SHUTDOWN)
    driver.host.lookup(inst['uuid']).destroy()
    mgr.reboot_instance(ctx, _begin(conductor, inst, states.REBOOTING_HARD),
                        'HARD')
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_RUNNING


def test_failure_reverts_task_state_and_records_fault(
        libvirt_conf, driver, ctx, monkeypatch):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 36)

    def broken(_instance):
        raise libvirt.libvirtError('cannot pause: device busy')
    monkeypatch.setattr(driver, 'pause', broken)
    mgr.pause_instance(ctx, _begin(conductor, inst, states.PAUSING))

    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    (fault,) = conductor.faults
    assert 'device busy' in fault['message']
    assert fault['code'] == 500 and 'Traceback' in fault['details']
    assert _events(conductor)[1] == [('compute_pause_instance', 'Error')]


def test_action_taken_over_by_delete_leaves_the_instance_alone(
        libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 37)
    sent = _begin(conductor, inst, states.POWERING_OFF)
    conductor.instances[inst['uuid']]['task_state'] = states.DELETING
    mgr.stop_instance(ctx, sent)
    assert _row(conductor, inst)[:2] == (states.ACTIVE, states.DELETING)
    assert conductor.faults == []
    assert _events(conductor)[1] == [('compute_stop_instance', 'Error')]


def test_action_on_a_vanished_domain_fails_cleanly(libvirt_conf, driver,
                                                    ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 38)
    driver.destroy(inst)
    mgr.start_instance(ctx, _begin(conductor, inst, states.POWERING_ON))
    assert _row(conductor, inst)[:2] == (states.ACTIVE, None)
    (fault,) = conductor.faults
    assert inst['uuid'] in fault['message']


def test_rebuild_respawns_from_the_new_image(libvirt_conf, driver, ctx,
                                             monkeypatch):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 39)
    spawned = []
    real_spawn = driver.spawn

    def spawn(instance, image_meta, network_info, admin_password=None,
              context=None):
        spawned.append((instance['image_ref'], image_meta['id'],
                        admin_password, context))
        return real_spawn(instance, image_meta, network_info,
                          admin_password=admin_password, context=context)
    monkeypatch.setattr(driver, 'spawn', spawn)
    old_dom = driver.host.lookup(inst['uuid'])
    old_id = old_dom.ID()

    mgr.rebuild_instance(ctx, _begin(conductor, inst, states.REBUILDING),
                         NEW_IMAGE, {'id': NEW_IMAGE}, admin_password='pw')

    assert spawned == [(NEW_IMAGE, NEW_IMAGE, 'pw', ctx)]
    assert _task_steps(conductor) == [
        (states.REBUILDING, states.REBUILD_BLOCK_DEVICE_MAPPING),
        (states.REBUILD_BLOCK_DEVICE_MAPPING, states.REBUILD_SPAWNING),
        (states.REBUILD_SPAWNING, None)]
    row = conductor.instances[inst['uuid']]
    assert row['image_ref'] == NEW_IMAGE and row['launched_at']
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    new_dom = driver.host.lookup(inst['uuid'])
    assert new_dom.isActive() and new_dom.ID() != old_id


def test_rebuild_of_a_stopped_server_leaves_it_stopped(libvirt_conf, driver,
                                                       ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 40,
                                  vm_state=states.STOPPED,
                                  power_state=states.SHUTDOWN)
    mgr.rebuild_instance(ctx, _begin(conductor, inst, states.REBUILDING),
                         NEW_IMAGE, {'id': NEW_IMAGE})
    assert _row(conductor, inst) == (states.STOPPED, None, states.SHUTDOWN)
    assert _dom_state(driver, inst) == libvirt.VIR_DOMAIN_SHUTOFF


def test_rebuild_with_a_bad_image_sets_error_with_the_reason(
        libvirt_conf, driver, ctx, monkeypatch):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 41)

    real_spawn = driver.spawn

    def spawn(*args, **kwargs):
        real_spawn(*args, **kwargs)   # a domain exists, then it fails
        raise exception.Invalid(reason='image is larger than the root disk')
    monkeypatch.setattr(driver, 'spawn', spawn)
    mgr.rebuild_instance(ctx, _begin(conductor, inst, states.REBUILDING),
                         NEW_IMAGE, {'id': NEW_IMAGE})
    assert _row(conductor, inst)[:2] == (states.ERROR, None)
    (fault,) = conductor.faults
    assert 'larger than the root disk' in fault['message']
    assert driver.host.lookup(inst['uuid']) is None


class ImageClientDouble:
    """Records what the snapshot did to the image service."""

    def __init__(self):
        self.deleted = []

    def delete(self, ctx, image_id):
        self.deleted.append(image_id)


def test_snapshot_walks_task_states_and_hands_over_the_image_client(
        libvirt_conf, driver, ctx, monkeypatch):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 42)
    client = mgr._image_client = ImageClientDouble()
    calls = []

    def snapshot(context, instance, image_id, image_client):
        calls.append((instance['uuid'], image_id, image_client,
                      conductor.instances[inst['uuid']]['task_state']))
    monkeypatch.setattr(driver, 'snapshot', snapshot)
    mgr.snapshot_instance(ctx, _begin(conductor, inst,
                                      states.IMAGE_SNAPSHOT), NEW_IMAGE)
    assert calls == [(inst['uuid'], NEW_IMAGE, client,
                      states.IMAGE_UPLOADING)]
    assert _task_steps(conductor) == [
        (states.IMAGE_SNAPSHOT, states.IMAGE_PENDING_UPLOAD),
        (states.IMAGE_PENDING_UPLOAD, states.IMAGE_UPLOADING),
        (states.IMAGE_UPLOADING, None)]
    assert _row(conductor, inst) == (states.ACTIVE, None, states.RUNNING)
    assert client.deleted == []


def test_failed_snapshot_deletes_the_image(libvirt_conf, driver, ctx,
                                           monkeypatch):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 43,
                                  vm_state=states.STOPPED,
                                  power_state=states.SHUTDOWN)
    client = mgr._image_client = ImageClientDouble()

    def snapshot(context, instance, image_id, image_client):
        raise exception.Invalid(reason='qemu-img convert failed')
    monkeypatch.setattr(driver, 'snapshot', snapshot)
    mgr.snapshot_instance(ctx, _begin(conductor, inst,
                                      states.IMAGE_SNAPSHOT), NEW_IMAGE)
    assert _row(conductor, inst)[:2] == (states.STOPPED, None)
    assert client.deleted == [NEW_IMAGE]
    (fault,) = conductor.faults
    assert 'qemu-img convert failed' in fault['message']


def test_console_output_tails_the_log(libvirt_conf, driver, ctx):
    inst, conductor, mgr = _setup(libvirt_conf, driver, 44)
    path = storage.console_log_path(driver.instances_path, inst['uuid'])
    storage.create_instance_dir(driver.instances_path, inst['uuid'])
    with open(path, 'w') as log:
        log.write('boot\nMARKER up 1.2s\nlogin:\n')
    assert 'MARKER up 1.2s' in mgr.get_console_output(ctx, inst)
    assert mgr.get_console_output(ctx, inst, tail_length=2) == (
        'login:\n')
    assert mgr.get_console_output(ctx, inst, tail_length=3) == (
        'MARKER up 1.2s\nlogin:\n')
    assert mgr.get_console_output(ctx, inst, tail_length=0) == ''


def test_tail():
    assert actions.tail('a\nb\nc', None) == 'a\nb\nc'
    assert actions.tail('a\nb\nc', 2) == 'b\nc'
    assert actions.tail('a\nb\nc', 10) == 'a\nb\nc'
    assert actions.tail('a\nb\nc', 0) == ''


def test_image_client_is_made_on_first_use(libvirt_conf, driver):
    from novalite.compute.image import client as image_client
    mgr = compute_manager.ComputeManager(
        libvirt_conf, driver=driver, conductor_api=fakes.ConductorDouble())
    assert mgr._image_client is None
    client = mgr._images()
    assert isinstance(client, image_client.ImageClient)
    assert mgr._images() is client
