"""Files of an instance on the host: ``<instances_path>/<uuid>/`` holding
the root disk, the kernel/ramdisk of AMI boots and the console log; and the
qemu-img calls that make and inspect disks."""

import errno
import json
import os
import shutil
import subprocess
import uuid as uuidlib

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# The qemu process runs as libvirt-qemu under qemu:///system and must be
# able to traverse into the directory; libvirt relabels the disk itself.
_DIR_MODE = 0o755
# Console output returned at most (Nova's MAX_CONSOLE_BYTES).
MAX_CONSOLE_BYTES = 100 * 1024
GiB = 1024 ** 3


class QemuImgError(Exception):
    """qemu-img refused a file; the message is its stderr."""


def qemu_img(*args):
    try:
        return subprocess.run(['qemu-img'] + list(args), check=True,
                              capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as exc:
        raise QemuImgError((exc.stderr or exc.stdout or '').strip()
                           or 'qemu-img %s failed' % args[0])


def qemu_img_info(path, force_share=False):
    """``qemu-img info`` as a dict (format, virtual-size, backing file...).
    ``force_share`` reads a disk a running QEMU holds locked."""
    args = ['info', '--output=json'] + (['-U'] if force_share else [])
    return json.loads(qemu_img(*(args + [path])))


def qcow2_problem(path):
    """What ``qemu-img check`` finds wrong with a qcow2 file (a truncated
    or corrupt one still passes ``info``), or None. Leaked clusters are
    harmless and not reported."""
    proc = subprocess.run(['qemu-img', 'check', '-f', 'qcow2',
                           '--output=json', path],
                          capture_output=True, text=True)
    if proc.returncode in (0, 3):   # 3: leaks only
        return None
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        return (proc.stderr or 'qemu-img check failed').strip().splitlines(
            )[-1]
    return '%d corruptions, %d check errors' % (
        result.get('corruptions', 0), result.get('check-errors', 0))


def ensure_dir(path):
    """Create ``path`` traversable by QEMU (mode 0755)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, _DIR_MODE)
    return path


def disk_path(instances_path, uuid, name='disk'):
    return os.path.join(instance_dir(instances_path, uuid), name)


def create_cow_disk(base, base_format, path, size_bytes=None):
    """A qcow2 overlay on ``base`` of ``size_bytes`` (the base's size when
    None)."""
    args = ['create', '-f', 'qcow2', '-F', base_format, '-b', base, path]
    if size_bytes:
        args.append(str(size_bytes))
    qemu_img(*args)
    return path


def create_raw_disk(base, path, size_bytes=None):
    """A full raw copy of ``base``, grown to ``size_bytes`` if larger."""
    qemu_img('convert', '-O', 'raw', base, path)
    if size_bytes and size_bytes > os.path.getsize(path):
        qemu_img('resize', '-f', 'raw', path, str(size_bytes))
    return path


def convert_to_qcow2(src, dest):
    """A standalone qcow2 copy of ``src`` (backing chain flattened); reads
    a disk a paused or stopped QEMU still holds locked."""
    qemu_img('convert', '-U', '-O', 'qcow2', src, dest)
    return dest


def copy_readable(src, dest):
    """Copy ``src`` (kernel, ramdisk) where QEMU can read it."""
    shutil.copyfile(src, dest)
    os.chmod(dest, 0o644)
    return dest


def supports_direct_io(dirpath):
    """True when files under ``dirpath`` can be opened with O_DIRECT
    (cache=none); tmpfs cannot."""
    if not hasattr(os, 'O_DIRECT'):
        return False
    probe = os.path.join(dirpath, '.directio.%s' % uuidlib.uuid4().hex)
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o600)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return False
        raise
    os.close(fd)
    os.unlink(probe)
    return True


def read_console_log(path, tail_length=None):
    """The last MAX_CONSOLE_BYTES of the console log (only the last
    ``tail_length`` lines when given); '' when there is none."""
    try:
        with open(path, 'rb') as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - MAX_CONSOLE_BYTES))
            data = log.read()
    except FileNotFoundError:
        return ''
    text = data.decode('utf-8', errors='replace')
    if tail_length is not None:
        lines = text.splitlines(keepends=True)
        text = ''.join(lines[-int(tail_length):]) if tail_length else ''
    return text


def instance_dir(instances_path, uuid):
    return os.path.join(instances_path, uuid)


def console_log_path(instances_path, uuid):
    return os.path.join(instance_dir(instances_path, uuid), 'console.log')


def create_instance_dir(instances_path, uuid):
    ensure_dir(instances_path)
    return ensure_dir(instance_dir(instances_path, uuid))


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
