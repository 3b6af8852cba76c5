"""The domain XML model renders what libvirt and Nova tooling expect."""

import xml.etree.ElementTree as ET

from novalite.compute.virt.libvirt import config as vconfig

NS = {'nova': vconfig.NOVA_NS}


def _guest(**kw):
    meta = vconfig.NovaMetadata(
        name='web <1> & co', creation_time='2024-01-02 03:04:05',
        flavor_name='m1.small', memory_mb=2048, disk_gb=20, vcpus=2,
        user_id='alice', project_id='p1', root_image='img-1',
        ports=[vconfig.NovaPort(uuid='port-1', address='10.0.0.5',
                                mac_address='fa:16:3e:00:00:01')])
    values = dict(virt_type='kvm', name='instance-0000002a',
                  uuid='8d5f0c7e-5a7e-4a8b-9f59-3b1f0e6f1c11',
                  memory_kib=2048 * 1024, vcpus=2, metadata=meta,
                  disks=[vconfig.GuestDisk('/i/u/disk')],
                  serials=[vconfig.GuestSerialFile('/i/u/console.log')])
    values.update(kw)
    return vconfig.Guest(**values)


def test_domain_identity_memory_and_cpus_round_trip():
    root = ET.fromstring(_guest().to_xml())
    assert root.get('type') == 'kvm'
    assert root.findtext('name') == 'instance-0000002a'
    assert root.findtext('uuid') == '8d5f0c7e-5a7e-4a8b-9f59-3b1f0e6f1c11'
    assert root.find('memory').get('unit') == 'KiB'
    assert root.findtext('memory') == str(2048 * 1024)
    assert root.findtext('vcpu') == '2'
    ostype = root.find('os/type')
    assert (ostype.text, ostype.get('arch'), ostype.get('machine')) == (
        'hvm', 'x86_64', 'pc')


def test_nova_metadata_is_escaped_and_namespaced():
    root = ET.fromstring(_guest().to_xml())
    inst = root.find('metadata/nova:instance', NS)
    assert inst.findtext('nova:name', namespaces=NS) == 'web <1> & co'
    flavor = inst.find('nova:flavor', NS)
    assert flavor.get('name') == 'm1.small'
    assert flavor.findtext('nova:memory', namespaces=NS) == '2048'
    assert flavor.findtext('nova:disk', namespaces=NS) == '20'
    assert flavor.findtext('nova:vcpus', namespaces=NS) == '2'
    assert inst.find('nova:owner/nova:user', NS).get('uuid') == 'alice'
    assert inst.find('nova:owner/nova:project', NS).get('uuid') == 'p1'
    assert inst.find('nova:root', NS).get('uuid') == 'img-1'
    ip = inst.find('nova:ports/nova:port/nova:ip', NS)
    assert (ip.get('address'), ip.get('ipVersion')) == ('10.0.0.5', '4')


def test_devices_disk_and_console_log():
    root = ET.fromstring(_guest().to_xml())
    disk = root.find('devices/disk')
    assert disk.find('source').get('file') == '/i/u/disk'
    assert disk.find('driver').get('type') == 'qcow2'
    assert disk.find('target').get('dev') == 'vda'
    serial = root.find('devices/serial')
    assert serial.get('type') == 'file'
    assert serial.find('source').get('path') == '/i/u/console.log'


def test_guest_without_disks_has_no_disk_device():
    root = ET.fromstring(_guest(disks=[]).to_xml())
    assert root.find('devices/disk') is None


def test_direct_kernel_boot_replaces_disk_boot():
    root = ET.fromstring(_guest(kernel='/i/u/kernel', initrd='/i/u/ramdisk',
                                cmdline='root=/dev/vda console=ttyS0')
                         .to_xml())
    os_elem = root.find('os')
    assert os_elem.findtext('kernel') == '/i/u/kernel'
    assert os_elem.findtext('initrd') == '/i/u/ramdisk'
    assert os_elem.findtext('cmdline') == 'root=/dev/vda console=ttyS0'
    assert os_elem.find('boot') is None
    assert ET.fromstring(_guest().to_xml()).find('os/boot').get('dev') == 'hd'


def test_console_log_is_appended_and_disk_cache_mode_set():
    root = ET.fromstring(_guest(disks=[vconfig.GuestDisk(
        '/i/u/disk', driver_type='raw', cache='none')]).to_xml())
    assert root.find('devices/serial/source').get('append') == 'on'
    driver = root.find('devices/disk/driver')
    assert (driver.get('type'), driver.get('cache')) == ('raw', 'none')
    assert root.find('features/acpi') is not None
