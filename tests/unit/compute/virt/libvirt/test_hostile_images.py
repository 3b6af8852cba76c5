"""Hostile images: crafted files that try to make qemu-img or QEMU read a
host file (CVE-2024-32498 and its kin) or hang the agent. Each build goes
through the compute manager with the real libvirt driver (test hypervisor,
storage on), the real image API over HTTP and the real qemu-img, and must
end in ERROR, not rescheduled, with a fault saying why, leaving no files;
the secret's bytes must be nowhere under the state path (instances, image
cache, image store, snapshots)."""

import os
import threading
import time

import pytest

from novalite.common import states
from novalite.compute import manager as compute_manager
from novalite.compute.image import client as image_client
from novalite.compute.virt.libvirt import imagecache
from novalite.tests.unit.compute import conftest
from novalite.tests.unit.compute import fakes
from novalite.tests.unit.compute.virt.libvirt import hostile
from novalite.tests.unit.compute.virt.libvirt import test_images

ALTERNATES = [{'service_host': 'unit-host', 'nodename': 'unit-host'},
              {'service_host': 'other-1', 'nodename': 'other-1'}]


@pytest.fixture
def secret(tmp_path_factory):
    """(path, marker) of a host file outside the state path."""
    return hostile.secret(tmp_path_factory.mktemp('host'))


@pytest.fixture
def storage_driver(driver, monkeypatch):
    # Files as on a real host; the test hypervisor only runs no QEMU.
    monkeypatch.setattr(type(driver.host), 'is_test_driver',
                        property(lambda self: False))
    return driver


@pytest.fixture
def override(libvirt_conf):
    names = []

    def set_(name, value):
        libvirt_conf.set_override(name, value, group='libvirt')
        names.append(name)
    yield set_
    for name in names:
        libvirt_conf.clear_override(name, group='libvirt')


class Cloud:
    """One compute agent building instances of uploaded images."""

    def __init__(self, conf, driver, images):
        self.conf, self.driver, self.images = conf, driver, images
        self.conductor = fakes.ConductorDouble()
        self.manager = compute_manager.ComputeManager(
            conf, driver=driver, conductor_api=self.conductor)

    def build(self, ctx, image, id=1, root_gb=1):
        inst = fakes.make_instance(id=id, image_ref=image['id'])
        inst['flavor']['root_gb'] = root_gb
        self.conductor.instances[inst['uuid']] = dict(inst)
        self.manager.build_and_run_instance(
            ctx, inst, {'image': {'id': image['id']}}, list(ALTERNATES),
            admin_password=None, requested_networks=[], node='unit-host')
        return self.conductor.instances[inst['uuid']]

    def fault(self, inst):
        # The double keeps faults in .faults (or, in older versions, as
        # instance_fault_create calls).
        faults = (getattr(self.conductor, 'faults', None) or
                  self.conductor.called('instance_fault_create'))
        (fault,) = [f for f in faults
                    if f['instance_uuid'] == inst['uuid']]
        return fault['message']

    @property
    def instances_path(self):
        return self.conf.libvirt.instances_path

    def base_files(self):
        base = os.path.join(self.instances_path, '_base')
        return sorted(f for f in os.listdir(base) if not f.endswith('.lock'))

    def assert_refused(self, inst, *reasons):
        """ERROR with a fault naming ``reasons``, no reschedule, no
        domain, no instance files."""
        assert (inst['vm_state'], inst['task_state']) == (states.ERROR,
                                                          None)
        message = self.fault(inst)
        for reason in reasons:
            assert reason in message, message
        assert self.conductor.called('build_instances') == []
        assert fakes.domains(self.driver) == {}
        assert not os.path.exists(os.path.join(self.instances_path,
                                               inst['uuid']))
        return message


@pytest.fixture
def cloud(libvirt_conf, storage_driver, images):
    return Cloud(libvirt_conf, storage_driver, images)


def _no_secret_anywhere(conf, marker):
    assert hostile.files_containing(conf.state_path, marker) == []


@pytest.mark.parametrize('cow', [True, False], ids=['cow', 'raw-copy'])
def test_qcow2_data_file_naming_a_host_file_is_refused(
        cloud, ctx, secret, tmp_path, override, cow):
    """CVE-2024-32498: a qcow2 whose external data file is a host path;
    the raw copy (use_cow_images = False) would copy the host file into
    the instance's disk."""
    override('use_cow_images', cow)
    path, marker = secret
    img = cloud.images.create_from(
        hostile.qcow2_with_data_file(tmp_path, path), 'qcow2')
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'Image %s is not a valid qcow2 image'
                         % img['id'], 'data file')
    assert cloud.base_files() == []
    _no_secret_anywhere(cloud.conf, marker)


def test_qcow2_backing_file_naming_a_host_file_is_refused(
        cloud, ctx, secret, tmp_path):
    """A qcow2 whose backing file is a host path: the guest would read it
    under every cluster it has not written."""
    path, marker = secret
    img = cloud.images.create_from(
        hostile.qcow2_with_backing_file(tmp_path, path), 'qcow2')
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'is not a valid qcow2 image', 'backing file')
    _no_secret_anywhere(cloud.conf, marker)


def test_vmdk_flat_descriptor_uploaded_as_raw_is_refused(
        cloud, ctx, secret, tmp_path, override):
    """A VMDK descriptor whose FLAT extent is a host file, uploaded as raw:
    a probing qemu-img would read the host file as the disk."""
    override('use_cow_images', False)
    path, marker = secret
    img = cloud.images.create_from(
        hostile.vmdk_flat_descriptor(tmp_path, path), 'raw')
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'is not a valid raw image',
                         'format mismatch, its data is vmdk')
    _no_secret_anywhere(cloud.conf, marker)


def test_qcow2_data_file_disguised_as_raw_is_refused(
        cloud, ctx, secret, tmp_path, override):
    """The data-file qcow2 uploaded with disk_format raw (Nova's third
    CVE-2024-32498 patch): the claimed format must match the content."""
    override('use_cow_images', False)
    path, marker = secret
    img = cloud.images.create_from(
        hostile.qcow2_with_data_file(tmp_path, path), 'raw')
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'Image %s is not a valid raw image' %
                         img['id'], 'format mismatch, its data is qcow2')
    _no_secret_anywhere(cloud.conf, marker)


def test_qcow2_that_is_also_an_iso_is_refused(cloud, ctx, tmp_path):
    """A polyglot: a valid qcow2 that is also an ISO 9660 image, which
    different readers would see as different disks."""
    img = cloud.images.create_from(hostile.qcow2_and_iso(tmp_path),
                                   'qcow2')
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'Multiple formats detected')


def test_hostile_base_cached_before_the_checks_is_refused_at_use(
        cloud, ctx, secret, tmp_path, qcow2):
    """A data-file qcow2 already in _base (cached by an older release) is
    re-inspected on use: the cache is not a way around the checks."""
    path, marker = secret
    img = cloud.images.create_from(qcow2, 'qcow2')
    base = os.path.join(cloud.instances_path, '_base',
                        imagecache.base_name(img['id']))
    os.makedirs(os.path.dirname(base))
    os.replace(hostile.qcow2_with_data_file(tmp_path, path), base)
    inst = cloud.build(ctx, img)
    cloud.assert_refused(inst, 'is not a valid qcow2 image', 'data file')
    assert hostile.files_containing(cloud.instances_path, marker) == []


def test_snapshot_of_a_raw_disk_the_guest_made_look_like_qcow2(
        cloud, ctx, secret, tmp_path, override, raw, libvirt_conf):
    """The guest writes a qcow2 header naming a host data file into its
    raw disk: the snapshot must copy the disk's bytes, not follow the
    header (qemu-img is told the disk is raw, never probes)."""
    override('use_cow_images', False)
    path, marker = secret
    img = cloud.images.create_from(raw, 'raw')
    inst = cloud.build(ctx, img, root_gb=0)
    assert inst['vm_state'] == states.ACTIVE
    disk = os.path.join(cloud.instances_path, inst['uuid'], 'disk')
    with open(hostile.qcow2_with_data_file(tmp_path, path), 'rb') as evil:
        header = evil.read()
    with open(disk, 'r+b') as f:
        f.write(header)         # what the guest can write to its disk
    target = cloud.images.create(name='snap', disk_format=None,
                                 container_format=None)
    client = image_client.ImageClient(libvirt_conf)
    cloud.driver.snapshot(ctx, inst, target['id'], client)
    out = str(tmp_path / 'snap.qcow2')
    client.download(ctx, target['id'], out)
    data = test_images._info(out)
    assert (data['format'], 'data-file' in str(data)) == ('qcow2', False)
    _no_secret_anywhere(cloud.conf, marker)
    cloud.driver.destroy(inst)


# -- qemu-img bounded --------------------------------------------------------
def _fake_qemu_img(tmp_path, monkeypatch, match, action):
    """A qemu-img first on PATH that runs ``action`` (sh) when its
    arguments contain ``match`` and is the real one otherwise; it logs
    every call."""
    bindir = tmp_path / 'fakebin'
    bindir.mkdir()
    log = tmp_path / 'qemu-img.log'
    real = '/usr/bin/qemu-img'
    script = bindir / 'qemu-img'
    script.write_text('#!/bin/sh\necho "$*" >> %s\ncase "$*" in\n'
                      '  *%s*) %s ;;\nesac\nexec %s "$@"\n'
                      % (log, match, action, real))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    return log


@pytest.mark.parametrize('action, limit, reason', [
    ('exec sleep 600', ('qemu_img_timeout', 1),
     'qemu-img info timed out after 1 s'),
    ('while :; do :; done', ('qemu_img_cpu_time', 1),
     'qemu-img info was killed at its CPU time limit (1 s)'),
], ids=['hang', 'spin'])
def test_image_that_makes_qemu_img_hang_or_spin_fails_only_its_build(
        cloud, ctx, qcow2, tmp_path, monkeypatch, override, action, limit,
        reason):
    """A crafted image on which qemu-img hangs (I/O) or spins (CPU): it is
    killed at its wall clock or CPU limit, that build ends in ERROR, a
    second build of it that waited for the cache lock shares the verdict
    without running qemu-img again, and a build of another image
    proceeds meanwhile."""
    override(*limit)
    bad = cloud.images.create_from(qcow2, 'qcow2')
    good = cloud.images.create_from(qcow2, 'qcow2')
    log = _fake_qemu_img(tmp_path, monkeypatch,
                         imagecache.base_name(bad['id']), action)
    results = {}

    def build(key, image, id):
        results[key] = cloud.build(ctx, image, id=id)
    started = time.monotonic()
    threads = [threading.Thread(target=build, args=args) for args in
               (('bad1', bad, 1), ('bad2', bad, 2), ('good', good, 3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert time.monotonic() - started < 15
    assert results['good']['vm_state'] == states.ACTIVE
    for key in ('bad1', 'bad2'):
        inst = results[key]
        assert inst['vm_state'] == states.ERROR
        assert 'Image %s is not a valid qcow2 image: %s' % (
            bad['id'], reason) in cloud.fault(inst)
    runs = [line for line in log.read_text().splitlines()
            if imagecache.base_name(bad['id']) in line]
    assert len(runs) == 1, runs
    assert cloud.base_files() == [imagecache.base_name(good['id'])]
    for inst in results.values():
        cloud.driver.destroy(inst)


@pytest.fixture
def qcow2(tmp_path):
    path = str(tmp_path / 'good.qcow2')
    conftest.qemu_img('create', '-f', 'qcow2', path, '64M')
    return path


@pytest.fixture
def raw(tmp_path):
    path = tmp_path / 'good.raw'
    path.write_bytes(b'\0' * (1024 * 1024))
    return str(path)
