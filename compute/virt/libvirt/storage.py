"""Files of an instance on the host: ``<instances_path>/<uuid>/`` holding
the root disk and the console log."""

import os
import shutil
import subprocess

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# The qemu process runs as libvirt-qemu under qemu:///system and must be
# able to traverse into the directory; libvirt relabels the disk itself.
_DIR_MODE = 0o755


def instance_dir(instances_path, uuid):
    return os.path.join(instances_path, uuid)


def console_log_path(instances_path, uuid):
    return os.path.join(instance_dir(instances_path, uuid), 'console.log')


def create_instance_dir(instances_path, uuid):
    path = instance_dir(instances_path, uuid)
    os.makedirs(path, exist_ok=True)
    os.chmod(path, _DIR_MODE)
    return path


def create_root_disk(instances_path, uuid, size_gb):
    """An empty qcow2 root disk of ``size_gb`` GiB (at least 1)."""
    path = os.path.join(instance_dir(instances_path, uuid), 'disk')
    subprocess.run(['qemu-img', 'create', '-f', 'qcow2', path,
                    '%dG' % max(int(size_gb or 0), 1)],
                   check=True, capture_output=True, text=True)
    return path


def remove_instance_dir(instances_path, uuid):
    path = instance_dir(instances_path, uuid)
    if os.path.exists(path):
        LOG.debug('removing %s', path)
        shutil.rmtree(path)


def total_disk_gb(path):
    """Size in GiB of the file system holding ``path`` (created if missing)."""
    os.makedirs(path, exist_ok=True)
    st = os.statvfs(path)
    return st.f_frsize * st.f_blocks // (1024 ** 3)
