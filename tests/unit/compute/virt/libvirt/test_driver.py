"""The libvirt driver against libvirt's real test hypervisor."""

import os
import threading
import time
import xml.etree.ElementTree as ET

import libvirt
import pytest

from novalite.common import exception
from novalite.common import states
from novalite.compute.virt.libvirt import config as vconfig
from novalite.compute.virt.libvirt import driver as libvirt_driver
from novalite.tests.unit.compute import fakes

NS = {'nova': vconfig.NOVA_NS}
PORT = {'id': 'port-1', 'network_id': 'net-1', 'network_name': 'private',
        'address': '10.0.0.7', 'mac_address': 'fa:16:3e:11:22:33'}


def test_spawn_defines_and_starts_the_domain(driver):
    inst = fakes.make_instance(id=42)
    driver.spawn(inst, {'id': 'img-9'}, [PORT])
    assert fakes.domains(driver) == {'instance-0000002a': (inst['uuid'], True)}
    assert driver.get_power_states()[inst['uuid']] == states.RUNNING
    assert driver.instance_exists(inst['uuid'])
    assert inst['uuid'] in driver.list_instance_uuids()


def test_defined_domain_carries_flavor_and_metadata(driver, libvirt_conf):
    inst = fakes.make_instance(id=7, display_name='db1')
    driver.spawn(inst, {'id': 'img-9'}, [PORT])
    dom = driver.host.lookup(inst['uuid'])
    root = ET.fromstring(dom.XMLDesc(0))
    assert root.findtext('name') == 'instance-00000007'
    assert root.findtext('memory') == str(512 * 1024)
    assert root.findtext('vcpu') == '1'
    assert root.get('type') == 'qemu'
    meta = root.find('metadata/nova:instance', NS)
    assert meta.findtext('nova:name', namespaces=NS) == 'db1'
    assert meta.find('nova:root', NS).get('uuid') == 'img-9'
    assert meta.find('nova:ports/nova:port', NS).get('uuid') == 'port-1'
    console = root.find('devices/serial/source').get('path')
    assert console == os.path.join(libvirt_conf.libvirt.instances_path,
                                   inst['uuid'], 'console.log')


def test_test_hypervisor_gets_no_files(driver, libvirt_conf):
    inst = fakes.make_instance(id=3)
    driver.spawn(inst, None, [])
    assert not os.path.exists(os.path.join(
        libvirt_conf.libvirt.instances_path, inst['uuid']))
    root = ET.fromstring(driver.host.lookup(inst['uuid']).XMLDesc(0))
    assert root.find('devices/disk') is None


def test_destroy_removes_domain_and_files_and_is_idempotent(
        driver, libvirt_conf):
    inst = fakes.make_instance(id=5)
    driver.spawn(inst, None, [])
    leftover = os.path.join(libvirt_conf.libvirt.instances_path, inst['uuid'])
    os.makedirs(leftover)
    driver.destroy(inst)
    assert fakes.domains(driver) == {}
    assert not driver.instance_exists(inst['uuid'])
    assert not os.path.exists(leftover)
    driver.destroy(inst)


def test_destroy_of_a_stopped_domain_undefines_it(driver):
    inst = fakes.make_instance(id=6)
    driver.spawn(inst, None, [])
    driver.host.lookup(inst['uuid']).destroy()
    assert driver.get_power_states()[inst['uuid']] == states.SHUTDOWN
    driver.destroy(inst)
    assert fakes.domains(driver) == {}


def test_paused_domain_reports_paused(driver):
    inst = fakes.make_instance(id=8)
    driver.spawn(inst, None, [])
    driver.host.lookup(inst['uuid']).suspend()
    assert driver.get_power_states()[inst['uuid']] == states.POWER_PAUSED


@pytest.mark.parametrize('lv_state, expected', [
    (libvirt.VIR_DOMAIN_RUNNING, 1), (libvirt.VIR_DOMAIN_BLOCKED, 1),
    (libvirt.VIR_DOMAIN_PAUSED, 3), (libvirt.VIR_DOMAIN_SHUTDOWN, 4),
    (libvirt.VIR_DOMAIN_SHUTOFF, 4), (libvirt.VIR_DOMAIN_CRASHED, 6),
    (libvirt.VIR_DOMAIN_PMSUSPENDED, 7), (libvirt.VIR_DOMAIN_NOSTATE, 0)])
def test_power_state_mapping(lv_state, expected):
    assert libvirt_driver.power_state(lv_state) == expected


def test_resources_come_from_libvirt(driver):
    conn = driver.host.get_connection()
    _model, memory_mb, cpus = conn.getInfo()[:3]
    res = driver.get_available_resource()
    assert (res['vcpus'], res['memory_mb']) == (cpus, memory_mb)
    assert res['hypervisor_type'] == conn.getType()
    assert res['hypervisor_version'] == conn.getVersion()
    assert res['local_gb'] > 0


def test_nodename_is_the_host_name(driver, libvirt_conf):
    assert driver.nodename == libvirt_conf.host == 'unit-host'


def test_unreachable_libvirt_is_hypervisor_unavailable(libvirt_conf):
    libvirt_conf.set_override('connection_uri', 'test:///nonexistent.xml',
                              group='libvirt')
    drv = libvirt_driver.LibvirtDriver(libvirt_conf)
    with pytest.raises(exception.HypervisorUnavailable):
        drv.init_host()


def test_hypervisor_with_storage_gets_qcow2_root_disk(
        driver, libvirt_conf, monkeypatch):
    # The test hypervisor stands in for QEMU here: only the "no storage"
    # decision is overridden, the files and the domain are real.
    monkeypatch.setattr(type(driver.host), 'is_test_driver',
                        property(lambda self: False))
    inst = fakes.make_instance(id=9)
    driver.spawn(inst, None, [])
    disk = os.path.join(libvirt_conf.libvirt.instances_path, inst['uuid'],
                        'disk')
    assert os.path.exists(disk)
    root = ET.fromstring(driver.host.lookup(inst['uuid']).XMLDesc(0))
    assert root.find('devices/disk/source').get('file') == disk
    driver.destroy(inst)
    assert not os.path.exists(os.path.dirname(disk))


def test_diagnostics_of_a_running_domain_and_a_missing_one(driver):
    instance = fakes.make_instance(id=51)
    driver.spawn(instance, None, [])
    try:
        diag = driver.get_diagnostics(instance)
        assert diag['state'] == 'running'
        assert diag['driver'] == 'libvirt'
        assert diag['memory_mb'] == instance['flavor']['memory_mb']
    finally:
        driver.destroy(instance)
    with pytest.raises(exception.InstanceNotFound):
        driver.get_diagnostics(instance)


class _SlowDict(dict):
    """Widens the window between a check and the set that follows it, as a
    thread switch at the wrong moment would."""

    def get(self, *args):
        value = super().get(*args)
        time.sleep(0.002)
        return value


def test_is_new_power_state_is_atomic_across_threads(driver):
    driver._left_in = _SlowDict()
    start = threading.Barrier(16)
    results = []

    def race():
        start.wait()
        results.append(driver.is_new_power_state('u1', states.SHUTDOWN))
    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [False] * 15 + [True]


def test_novalite_domains_are_told_from_the_others(driver):
    inst = fakes.make_instance(id=91)
    driver.spawn(inst, None, [])
    foreign = driver.host.get_connection().defineXML(
        "<domain type='test'><name>not-ours</name><memory>1024</memory>"
        "<os><type>hvm</type></os></domain>")
    try:
        ours, others = driver.list_instance_domains()
        assert ours == {inst['uuid']}
        assert foreign.UUIDString() in others
    finally:
        foreign.undefine()


def test_config_drive_is_a_read_only_cdrom_and_forced_by_the_option(
        driver, libvirt_conf):
    """The ISO the spawn built goes in as a CD-ROM with the device
    configdrive.py names; `[DEFAULT] force_config_drive` gives one to a
    server that did not ask."""
    from novalite.compute.virt.libvirt import configdrive
    from novalite.compute.virt.libvirt import disks
    asked = fakes.make_instance(id=8, config_drive=True)
    plain = fakes.make_instance(id=9, config_drive=False)
    assert driver.wants_config_drive(asked)
    assert not driver.wants_config_drive(plain)
    libvirt_conf.set_override('force_config_drive', True)
    try:
        assert driver.wants_config_drive(plain)
    finally:
        libvirt_conf.clear_override('force_config_drive')
    boot = disks.BootFiles(disk='/var/lib/x/disk', disk_format='qcow2',
                           config_drive='/var/lib/x/disk.config')
    root = ET.fromstring(driver.get_guest_config(
        asked, {'id': 'img-9'}, [PORT], boot).to_xml())
    (cdrom,) = root.findall("./devices/disk[@device='cdrom']")
    assert cdrom.find('source').get('file') == '/var/lib/x/disk.config'
    assert cdrom.find('target').get('dev') == configdrive.CDROM_DEV
    assert cdrom.find('target').get('bus') == configdrive.CDROM_BUS
    assert cdrom.find('readonly') is not None
    plain_root = ET.fromstring(driver.get_guest_config(
        plain, {'id': 'img-9'}, [PORT], disks.BootFiles(
            disk='/var/lib/x/disk', disk_format='qcow2')).to_xml())
    assert plain_root.findall("./devices/disk[@device='cdrom']") == []
