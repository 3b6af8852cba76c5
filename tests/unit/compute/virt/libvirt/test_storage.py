"""Instance files on the host, with the real qemu-img."""

import json
import os
import stat
import subprocess

from novalite.compute.virt.libvirt import storage


def test_root_disk_is_qcow2_of_flavor_size(tmp_path):
    storage.create_instance_dir(str(tmp_path), 'u1')
    path = storage.create_root_disk(str(tmp_path), 'u1', 2)
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', path], check=True,
        capture_output=True, text=True).stdout)
    assert info['format'] == 'qcow2'
    assert info['virtual-size'] == 2 * 1024 ** 3


def test_instance_dir_traversable_and_removed(tmp_path):
    path = storage.create_instance_dir(str(tmp_path), 'u1')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    storage.remove_instance_dir(str(tmp_path), 'u1')
    assert not os.path.exists(path)
    storage.remove_instance_dir(str(tmp_path), 'u1')   # idempotent
