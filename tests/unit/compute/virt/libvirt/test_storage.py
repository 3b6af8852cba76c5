"""Instance files on the host with the real qemu-img: paths built only from
validated ids and kept under their root (path traversal), and qemu-img
bounded by its process limits and a wall clock."""

import json
import os
import stat
import subprocess
import time
import uuid

import pytest

from novalite.common import exception
from novalite.compute.virt.libvirt import imagecache
from novalite.compute.virt.libvirt import qemu_img
from novalite.compute.virt.libvirt import storage

UUID = str(uuid.uuid4())
TRAVERSALS = ['../../etc', '..', '.', '', 'a/b', '/etc', UUID + '/..',
              UUID.upper(), UUID.replace('-', ''), '{%s}' % UUID, None]


def test_root_disk_is_qcow2_of_flavor_size(tmp_path):
    storage.create_instance_dir(str(tmp_path), UUID)
    path = storage.create_root_disk(str(tmp_path), UUID, 2)
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', path], check=True,
        capture_output=True, text=True).stdout)
    assert info['format'] == 'qcow2'
    assert info['virtual-size'] == 2 * 1024 ** 3


def test_instance_dir_traversable_and_removed(tmp_path):
    path = storage.create_instance_dir(str(tmp_path), UUID)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    storage.remove_instance_dir(str(tmp_path), UUID)
    assert not os.path.exists(path)
    storage.remove_instance_dir(str(tmp_path), UUID)   # idempotent


@pytest.mark.parametrize('bad', TRAVERSALS)
def test_path_traversal_through_an_instance_uuid_is_refused(tmp_path, bad):
    """An id like ../../etc never becomes a path: no directory is created,
    and nothing is removed, outside instances_path."""
    root = tmp_path / 'instances'
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'keep').write_text('precious')
    for call in (storage.instance_dir, storage.create_instance_dir,
                 storage.remove_instance_dir, storage.console_log_path,
                 storage.disk_path):
        with pytest.raises(storage.UnsafePath):
            call(str(root), bad)
    with pytest.raises(exception.Invalid):       # what a build aborts on
        storage.remove_instance_dir(str(root), '../victim')
    assert (victim / 'keep').read_text() == 'precious'
    assert not root.exists()


def test_recursive_delete_does_not_follow_a_symlinked_instance_dir(
        tmp_path):
    """<instances_path>/<uuid> planted as a symlink to a host directory:
    removing the instance must not delete the target."""
    root = tmp_path / 'instances'
    root.mkdir()
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'keep').write_text('precious')
    os.symlink(victim, root / UUID)
    with pytest.raises(storage.UnsafePath):
        storage.remove_instance_dir(str(root), UUID)
    assert (victim / 'keep').read_text() == 'precious'


@pytest.mark.parametrize('name', ['../x', '..', 'disk/../../x', ''])
def test_file_names_in_an_instance_dir_cannot_climb_out(tmp_path, name):
    with pytest.raises(storage.UnsafePath):
        storage.disk_path(str(tmp_path), UUID, name)


@pytest.mark.parametrize('name', ['../' + 'a' * 37, 'A' * 40, 'a' * 39,
                                  'a' * 41, 'g' * 40, '', None])
def test_image_cache_names_are_only_sha1_hex(tmp_path, name):
    with pytest.raises(storage.UnsafePath):
        storage.base_file(str(tmp_path), name)


def test_image_cache_path_of_any_image_id_stays_in_base(tmp_path):
    base = str(tmp_path / '_base')
    for image_id in ('../../etc/passwd', '/etc/shadow', 'x' * 1000):
        path = storage.base_file(base, imagecache.base_name(image_id))
        assert os.path.dirname(path) == base


# -- qemu-img bounds ------------------------------------------------------
def _fake_qemu_img(tmp_path, monkeypatch, body):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    script = bindir / 'qemu-img'
    script.write_text('#!/bin/sh\n' + body)
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))


def test_qemu_img_runs_under_cpu_and_address_space_limits(
        tmp_path, monkeypatch):
    _fake_qemu_img(tmp_path, monkeypatch, 'ulimit -t; ulimit -v; ulimit -c\n')
    out = qemu_img.run('info', limits=qemu_img.Limits(
        timeout=30, cpu_time=7, address_space=512 * 1024 ** 2))
    assert out.split() == ['7', str(512 * 1024), '0']


def test_qemu_img_that_hangs_is_killed_with_its_children_at_the_timeout(
        tmp_path, monkeypatch):
    """A hang (e.g. reading a crafted image's endless chain) must not
    hold the build, nor leave a process behind."""
    pidfile = tmp_path / 'child.pid'
    _fake_qemu_img(tmp_path, monkeypatch,
                   'sleep 600 &\necho $! > %s\nsleep 600\n' % pidfile)
    started = time.monotonic()
    with pytest.raises(qemu_img.LimitReached,
                       match='qemu-img info timed out after 1 s'):
        qemu_img.run('info', limits=qemu_img.Limits(
            timeout=1, cpu_time=30, address_space=1024 ** 3))
    assert time.monotonic() - started < 5
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists('/proc/%d' % child):
        time.sleep(0.05)
    assert not os.path.exists('/proc/%d' % child)


def test_qemu_img_that_spins_is_killed_at_its_cpu_time_limit(
        tmp_path, monkeypatch):
    _fake_qemu_img(tmp_path, monkeypatch, 'while :; do :; done\n')
    with pytest.raises(qemu_img.LimitReached,
                       match=r'qemu-img check was killed at its CPU time '
                             r'limit \(1 s\)'):
        qemu_img.run('check', limits=qemu_img.Limits(
            timeout=30, cpu_time=1, address_space=1024 ** 3))


def test_qemu_img_failure_carries_its_own_message(tmp_path):
    with pytest.raises(qemu_img.QemuImgError) as err:
        storage.qemu_img_info(str(tmp_path / 'missing'), 'qcow2')
    assert 'Could not open' in str(err.value)
    assert not isinstance(err.value, qemu_img.LimitReached)
