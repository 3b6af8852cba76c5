"""Booting from images: the _base cache, format checks, overlays, AMI
kernel/ramdisk and the refusals a user sees as the server's fault. Real
qemu-img, the real image API over HTTP, and libvirt's test hypervisor
standing in for QEMU (only its "no storage" answer is overridden)."""

import json
import os
import subprocess
import threading
import xml.etree.ElementTree as ET

import pytest

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.compute.virt.libvirt import imagecache
from novalite.tests.unit.compute import conftest
from novalite.tests.unit.compute import fakes

ALICE = nl_context.RequestContext(user_id='alice', project_id='p1')
GiB = 1024 ** 3


def _info(path):
    return json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', '-U', path], check=True,
        capture_output=True, text=True).stdout)


@pytest.fixture
def storage_driver(driver, monkeypatch):
    monkeypatch.setattr(type(driver.host), 'is_test_driver',
                        property(lambda self: False))
    return driver


@pytest.fixture
def qcow2(tmp_path):
    path = str(tmp_path / 'src.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', path, '64M')
    return path


@pytest.fixture
def raw(tmp_path):
    path = tmp_path / 'src.raw'
    path.write_bytes(b'\0' * (2 * 1024 * 1024))
    return str(path)


def _spawn(drv, image, root_gb=1, id=1):
    inst = fakes.make_instance(id=id, image_ref=image['id'])
    inst['flavor']['root_gb'] = root_gb
    drv.spawn(inst, {'id': image['id']}, [], context=ALICE)
    return inst


def _instance_dir(conf, inst):
    return os.path.join(conf.libvirt.instances_path, inst['uuid'])


def _xml(drv, inst):
    return ET.fromstring(drv.host.lookup(inst['uuid']).XMLDesc(0))


def test_qcow2_image_boots_from_an_overlay_on_the_cached_base(
        storage_driver, images, qcow2, libvirt_conf):
    img = images.create_from(qcow2, 'qcow2')
    inst = _spawn(storage_driver, img, root_gb=2)
    base = os.path.join(libvirt_conf.libvirt.instances_path, '_base',
                        imagecache.base_name(img['id']))
    disk = os.path.join(_instance_dir(libvirt_conf, inst), 'disk')
    info = _info(disk)
    assert info['format'] == 'qcow2'
    assert info['backing-filename'] == base
    assert info['virtual-size'] == 2 * GiB
    assert _info(base)['format'] == 'qcow2'
    root = _xml(storage_driver, inst)
    assert root.find('devices/disk/source').get('file') == disk
    assert root.find('devices/disk/driver').get('type') == 'qcow2'
    assert root.find('os/boot').get('dev') == 'hd'
    assert root.find('os/kernel') is None


def test_root_gb_zero_keeps_the_image_size(storage_driver, images, qcow2,
                                           libvirt_conf):
    inst = _spawn(storage_driver, images.create_from(qcow2, 'qcow2'),
                  root_gb=0)
    disk = os.path.join(_instance_dir(libvirt_conf, inst), 'disk')
    assert _info(disk)['virtual-size'] == 64 * 1024 * 1024


def test_without_cow_images_the_disk_is_a_raw_copy_of_flavor_size(
        storage_driver, images, qcow2, libvirt_conf):
    libvirt_conf.set_override('use_cow_images', False, group='libvirt')
    try:
        inst = _spawn(storage_driver, images.create_from(qcow2, 'qcow2'))
    finally:
        libvirt_conf.clear_override('use_cow_images', group='libvirt')
    disk = os.path.join(_instance_dir(libvirt_conf, inst), 'disk')
    info = _info(disk)
    assert (info['format'], info['virtual-size']) == ('raw', GiB)
    assert 'backing-filename' not in info
    assert _xml(storage_driver, inst).find(
        'devices/disk/driver').get('type') == 'raw'


def test_two_builds_of_one_image_download_it_once(
        storage_driver, images, qcow2, monkeypatch):
    img = images.create_from(qcow2, 'qcow2')
    client = storage_driver.image_client
    real_download, downloads = client.download, []

    def counting_download(*args, **kwargs):
        downloads.append(args[1])
        return real_download(*args, **kwargs)
    monkeypatch.setattr(client, 'download', counting_download)
    errors = []

    def build(n):
        try:
            _spawn(storage_driver, img, id=n)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=build, args=(n,)) for n in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert downloads == [img['id']]
    assert len(fakes.domains(storage_driver)) == 3


@pytest.mark.parametrize('label, maker, message', [
    ('qcow2', 'raw', 'is not a valid qcow2 image'),
    ('raw', 'qcow2', 'is not a valid raw image'),
])
def test_bits_that_do_not_match_disk_format_are_refused(
        storage_driver, images, qcow2, raw, libvirt_conf, label, maker,
        message):
    img = images.create_from({'raw': raw, 'qcow2': qcow2}[maker], label)
    with pytest.raises(exception.Invalid, match=message):
        _spawn(storage_driver, img)
    base_dir = os.path.join(libvirt_conf.libvirt.instances_path, '_base')
    assert [f for f in os.listdir(base_dir) if not f.endswith('.lock')] == []


def test_corrupt_qcow2_is_refused(storage_driver, images, qcow2, tmp_path):
    corrupt = tmp_path / 'corrupt.qcow2'
    corrupt.write_bytes(open(qcow2, 'rb').read()[:200])   # header only
    img = images.create_from(str(corrupt), 'qcow2')
    with pytest.raises(exception.Invalid,
                       match='Image %s is not a valid qcow2' % img['id']):
        _spawn(storage_driver, img)


def test_qcow2_with_a_backing_file_is_refused(storage_driver, images, raw,
                                               tmp_path):
    evil = str(tmp_path / 'evil.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', '-F', 'raw', '-b', raw, evil)
    img = images.create_from(evil, 'qcow2')
    with pytest.raises(exception.Invalid, match='backing file'):
        _spawn(storage_driver, img)


def test_image_larger_than_the_flavor_disk_is_refused(
        storage_driver, images, tmp_path):
    big = str(tmp_path / 'big.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', big, '2G')
    img = images.create_from(big, 'qcow2')
    with pytest.raises(exception.Invalid, match=(
            "Flavor's disk is too small for requested image. Flavor disk "
            "is %d bytes, image is %d bytes." % (GiB, 2 * GiB))):
        _spawn(storage_driver, img, root_gb=1)


def test_queued_image_is_refused(storage_driver, images):
    img = images.create(disk_format='qcow2')
    with pytest.raises(exception.Invalid, match='is not active'):
        _spawn(storage_driver, img)


def test_ami_boots_direct_kernel_with_its_kernel_and_ramdisk(
        storage_driver, images, raw, tmp_path, libvirt_conf):
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'kernel' * 1000)
    initrd = tmp_path / 'initrd'
    initrd.write_bytes(b'initrd' * 1000)
    aki = images.create_from(str(kernel), 'aki', container_format='aki')
    ari = images.create_from(str(initrd), 'ari', container_format='ari')
    ami = images.create_from(raw, 'ami', container_format='ami',
                             kernel_id=aki['id'], ramdisk_id=ari['id'])
    inst = _spawn(storage_driver, ami)
    idir = _instance_dir(libvirt_conf, inst)
    assert open(os.path.join(idir, 'kernel'), 'rb').read() == \
        kernel.read_bytes()
    assert open(os.path.join(idir, 'ramdisk'), 'rb').read() == \
        initrd.read_bytes()
    os_elem = _xml(storage_driver, inst).find('os')
    assert os_elem.findtext('kernel') == os.path.join(idir, 'kernel')
    assert os_elem.findtext('initrd') == os.path.join(idir, 'ramdisk')
    assert 'console=ttyS0' in os_elem.findtext('cmdline')
    assert 'root=/dev/vda' in os_elem.findtext('cmdline')


def test_ami_without_kernel_id_is_refused(storage_driver, images, raw):
    ami = images.create_from(raw, 'ami', container_format='ami')
    with pytest.raises(exception.Invalid, match='without a kernel_id'):
        _spawn(storage_driver, ami)


def test_ami_whose_ramdisk_is_missing_is_refused(storage_driver, images,
                                                  raw, tmp_path):
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'kernel')
    aki = images.create_from(str(kernel), 'aki', container_format='aki')
    gone = '0d7f3c0e-6a4c-4d5e-9b41-1c2d3e4f5a6b'
    ami = images.create_from(raw, 'ami', container_format='ami',
                             kernel_id=aki['id'], ramdisk_id=gone)
    with pytest.raises(exception.Invalid,
                       match='Ramdisk image %s could not be found' % gone):
        _spawn(storage_driver, ami)


def test_kernel_id_naming_a_disk_image_is_refused(storage_driver, images,
                                                  raw):
    not_a_kernel = images.create_from(raw, 'raw')
    ami = images.create_from(raw, 'ami', container_format='ami',
                             kernel_id=not_a_kernel['id'])
    with pytest.raises(exception.Invalid, match='not aki'):
        _spawn(storage_driver, ami)


def _mbr(boot_flag):
    """512 bytes with the MBR signature and one partition entry."""
    sector = bytearray(512)
    sector[446] = boot_flag
    sector[446 + 4] = 0x83                 # Linux partition
    sector[446 + 8:446 + 16] = (1).to_bytes(4, 'little') + \
        (2047).to_bytes(4, 'little')
    sector[510:512] = b'\x55\xaa'
    return bytes(sector)


def test_kernel_that_looks_like_a_bad_mbr_still_boots(
        storage_driver, images, raw, tmp_path, libvirt_conf):
    """A bzImage carries the 0x55AA boot signature and reads as an MBR
    with an invalid boot flag: kernels and ramdisks are files for QEMU's
    -kernel/-initrd, not disks, so the disk checks do not apply."""
    kernel = tmp_path / 'bzImage'
    kernel.write_bytes(_mbr(0x42) + b'kernel' * 1000)
    aki = images.create_from(str(kernel), 'aki', container_format='aki')
    ami = images.create_from(raw, 'ami', container_format='ami',
                             kernel_id=aki['id'])
    inst = _spawn(storage_driver, ami)
    copied = os.path.join(_instance_dir(libvirt_conf, inst), 'kernel')
    assert open(copied, 'rb').read() == kernel.read_bytes()


def test_raw_disk_with_a_partition_table_boots_as_raw(
        storage_driver, images, tmp_path, libvirt_conf):
    disk = tmp_path / 'partitioned.raw'
    disk.write_bytes(_mbr(0x80) + b'\0' * (1024 * 1024 - 512))
    img = images.create_from(str(disk), 'raw')
    inst = _spawn(storage_driver, img)
    overlay = _info(os.path.join(_instance_dir(libvirt_conf, inst), 'disk'))
    assert overlay['backing-filename-format'] == 'raw'


def test_raw_disk_with_a_corrupt_partition_table_is_refused(
        storage_driver, images, tmp_path):
    disk = tmp_path / 'bad-mbr.raw'
    disk.write_bytes(_mbr(0x42) + b'\0' * (1024 * 1024 - 512))
    img = images.create_from(str(disk), 'raw')
    with pytest.raises(exception.Invalid, match='fails safety checks: mbr'):
        _spawn(storage_driver, img)
