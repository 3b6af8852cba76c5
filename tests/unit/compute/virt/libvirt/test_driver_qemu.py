"""The libvirt driver with real QEMU guests (qemu:///system, virt_type
qemu: TCG, as nested KVM cannot run guests here): images through the real
image API over HTTP, the guest built by tools/build_test_guest.py from
Debian packages. libvirtd and virtlogd are started when not running; if
they cannot be, the tests fail saying so."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import libvirt
import pytest

from novalite.common import context as nl_context
from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.compute.image import client as image_client
from novalite.compute.virt.libvirt import driver as libvirt_driver
from novalite.tests.unit.compute import conftest
from novalite.tests.unit.compute import fakes
from novalite.tools import build_test_guest

ALICE = nl_context.RequestContext(user_id='alice', project_id='p1')
URI = 'qemu:///system'
BOOT_TIMEOUT = 120   # TCG on two shared cores


def _wait(predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _libvirtd_up():
    try:
        libvirt.open(URI).close()
        return True
    except libvirt.libvirtError:
        return False


@pytest.fixture(scope='module')
def libvirtd():
    if not _libvirtd_up():
        for daemon in ('virtlogd', 'libvirtd'):
            if subprocess.run(['pgrep', '-x', daemon]).returncode != 0:
                subprocess.run([daemon, '-d'], check=False)
        if not _wait(_libvirtd_up, 30):
            pytest.fail('libvirtd at %s is not reachable and could not be '
                        'started (virtlogd -d; libvirtd -d)' % URI)


@pytest.fixture(scope='module')
def test_guest():
    try:
        return build_test_guest.build()
    except Exception as exc:  # noqa: BLE001
        pytest.fail('cannot build the test guest from Debian packages: %s'
                    % exc)


@pytest.fixture
def qemu_driver(libvirtd, conf, image_api):
    # QEMU runs as libvirt-qemu: pytest's tmp dirs (0700) are not
    # traversable for it, /var/tmp is.
    path = tempfile.mkdtemp(prefix='novalite-unit-', dir='/var/tmp')
    os.chmod(path, 0o755)
    overrides = {('connection_uri', 'libvirt'): URI,
                 # Names of our own: other clouds may share this libvirtd.
                 ('instance_name_template', None):
                     'unit-%s-%%08x' % os.path.basename(path),
                 ('virt_type', 'libvirt'): 'qemu',
                 ('instances_path', 'libvirt'): path,
                 ('wait_soft_reboot_seconds', 'libvirt'): 60}
    for (name, group), value in overrides.items():
        conf.set_override(name, value, group=group)
    drv = libvirt_driver.LibvirtDriver(conf)
    drv.init_host()
    spawned = []
    real_spawn = drv.spawn

    def spawn(instance, *args, **kwargs):
        spawned.append(instance['uuid'])
        return real_spawn(instance, *args, **kwargs)
    drv.spawn = spawn
    yield drv
    # Only what this test spawned: other clouds' guests share libvirtd.
    for uuid in spawned:
        drv.destroy({'uuid': uuid})
    drv.cleanup_host()
    shutil.rmtree(path, ignore_errors=True)
    for name, group in overrides:
        conf.clear_override(name, group=group)


def _instance(id, image, memory_mb=192, root_gb=1):
    inst = fakes.make_instance(id=id, image_ref=image['id'],
                               vm_state=states.ACTIVE, task_state=None,
                               power_state=states.RUNNING)
    inst['flavor'].update(memory_mb=memory_mb, root_gb=root_gb)
    return inst


@pytest.fixture
def ami(images, test_guest):
    def upload(initramfs='initramfs'):
        aki = images.create_from(test_guest['kernel'], 'aki',
                                 container_format='aki')
        ari = images.create_from(test_guest[initramfs], 'ari',
                                 container_format='ari')
        return images.create_from(test_guest['disk'], 'ami',
                                  container_format='ami',
                                  kernel_id=aki['id'], ramdisk_id=ari['id'])
    return upload


def _marker_count(drv, inst, marker):
    return drv.get_console_output(inst).count(marker)


def test_blank_disk_guest_goes_through_every_power_action(
        qemu_driver, images, tmp_path, conf):
    src = str(tmp_path / 'blank.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', src, '64M')
    img = images.create_from(src, 'qcow2')
    inst = _instance(71, img, memory_mb=64)
    drv = qemu_driver
    drv.spawn(inst, {'id': img['id']}, [], context=ALICE)
    dom = drv.host.lookup(inst['uuid'])
    root = ET.fromstring(dom.XMLDesc(0))
    assert root.get('type') == 'qemu'
    assert dom.isActive()
    idir = os.path.join(conf.libvirt.instances_path, inst['uuid'])
    assert os.path.exists(os.path.join(idir, 'console.log'))

    # SeaBIOS with an empty disk ignores ACPI: the stop falls back to
    # destroying it after the timeout, and the domain stays defined.
    drv.power_off(inst, timeout=1)
    assert drv.get_power_state(inst) == states.SHUTDOWN
    drv.power_on(inst)
    assert drv.get_power_state(inst) == states.RUNNING
    drv.pause(inst)
    assert drv.get_power_state(inst) == states.POWER_PAUSED
    drv.unpause(inst)
    drv.suspend(inst)
    assert dom.hasManagedSaveImage(0)
    assert not dom.isActive()
    drv.resume(inst)
    assert drv.get_power_state(inst) == states.RUNNING
    drv.reboot(inst, 'HARD')
    assert drv.get_power_state(inst) == states.RUNNING

    client = image_client.ImageClient(conf)
    target = images.create(name='snap', disk_format=None,
                           container_format=None)
    drv.snapshot(ALICE, inst, target['id'], client)
    snap = client.show(ALICE, target['id'])
    assert (snap['status'], snap['disk_format']) == ('active', 'qcow2')
    assert drv.get_power_state(inst) == states.RUNNING   # resumed

    drv.destroy(inst)
    assert drv.host.lookup(inst['uuid']) is None
    assert not os.path.exists(idir)
    # The snapshot boots on its own (no backing file on this host).
    again = _instance(72, snap, memory_mb=64)
    drv.spawn(again, {'id': snap['id']}, [], context=ALICE)
    assert drv.get_power_state(again) == states.RUNNING
    drv.destroy(again)


def test_ami_guest_prints_its_marker_and_soft_reboots(
        qemu_driver, ami, test_guest):
    drv, marker = qemu_driver, test_guest['marker']
    img = ami()
    inst = _instance(73, img)
    drv.spawn(inst, {'id': img['id']}, [], context=ALICE)
    assert _wait(lambda: _marker_count(drv, inst, marker) == 1,
                 BOOT_TIMEOUT), drv.get_console_output(inst)[-2000:]
    assert marker in drv.get_console_output(inst, tail_length=5)
    # The guest powers off on the ACPI request: soft reboot, no fallback.
    started = time.monotonic()
    drv.reboot(inst, 'SOFT')
    assert time.monotonic() - started < 60
    assert _wait(lambda: _marker_count(drv, inst, marker) == 2,
                 BOOT_TIMEOUT), drv.get_console_output(inst)[-2000:]
    drv.power_off(inst, timeout=60)
    assert drv.get_power_state(inst) == states.SHUTDOWN
    drv.destroy(inst)
    assert drv.host.lookup(inst['uuid']) is None


def test_guest_that_powers_itself_off_is_seen_stopped(
        qemu_driver, ami, conf):
    img = ami('initramfs_poweroff')
    inst = _instance(74, img)
    conductor = fakes.ConductorDouble(inst)
    mgr = compute_manager.ComputeManager(conf, driver=qemu_driver,
                                         conductor_api=conductor)
    mgr.init_host()
    qemu_driver.spawn(inst, {'id': img['id']}, [], context=ALICE)
    assert _wait(lambda: conductor.instances[inst['uuid']]['vm_state'] ==
                 states.STOPPED, BOOT_TIMEOUT)
    assert conductor.instances[inst['uuid']]['power_state'] == \
        states.SHUTDOWN
    assert qemu_driver.instance_exists(inst['uuid'])   # stays defined


def test_config_drive_is_attached_rebuilt_and_removed(
        qemu_driver, images, tmp_path, conf):
    """A real guest with a config drive: the ISO is the domain's CD-ROM;
    a rebuild (the manager's destroy + spawn of the same instance) writes
    it anew with the server's current data; delete removes it."""
    from novalite.tests.unit.compute.virt.libvirt import test_configdrive
    src = str(tmp_path / 'blank.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', src, '64M')
    img = images.create_from(src, 'qcow2')
    inst = _instance(73, img, memory_mb=64)
    inst.update(config_drive=True, display_name='before')
    drv = qemu_driver
    drv.spawn(inst, {'id': img['id']}, [], context=ALICE)
    iso = os.path.join(conf.libvirt.instances_path, inst['uuid'],
                       'disk.config')
    root = ET.fromstring(drv.host.lookup(inst['uuid']).XMLDesc(0))
    (cdrom,) = root.findall("./devices/disk[@device='cdrom']")
    assert cdrom.find('source').get('file') == iso

    def name_on_drive():
        _, files, _ = test_configdrive._read(iso)
        return json.loads(files['openstack/latest/meta_data.json'])['name']
    assert name_on_drive() == 'before'
    drv.destroy(inst)                       # rebuild: destroy, then spawn
    inst['display_name'] = 'after'
    drv.spawn(inst, {'id': img['id']}, [], context=ALICE)
    assert name_on_drive() == 'after'
    drv.destroy(inst)
    assert not os.path.exists(iso)
