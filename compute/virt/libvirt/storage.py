"""Files of an instance on the host: ``<instances_path>/<uuid>/`` holding
the root disk, the kernel/ramdisk of AMI boots and the console log; and the
qemu-img calls that make and inspect disks.

Every path is built from a validated id (a canonical UUID, a sha1 hex
name) and checked to stay under its root before anything is written or
removed: an id like ``../../etc`` must never become a path. qemu-img is
always told the format of what it reads (never lets it probe) and runs
under the :mod:`qemu_img` limits given by the caller.
"""

import errno
import json
import os
import re
import shutil
import uuid as uuidlib

from oslo_log import log as logging

from novalite.common import exception
from novalite.compute.virt.libvirt import qemu_img as qimg

LOG = logging.getLogger(__name__)

# The qemu process runs as libvirt-qemu under qemu:///system and must be
# able to traverse into the directory; libvirt relabels the disk itself.
_DIR_MODE = 0o755
# Console output returned at most (Nova's MAX_CONSOLE_BYTES).
MAX_CONSOLE_BYTES = 100 * 1024
GiB = 1024 ** 3
_SHA1_HEX = re.compile(r'[0-9a-f]{40}')

QemuImgError = qimg.QemuImgError


class UnsafePath(exception.Invalid):
    msg_fmt = 'Refusing unsafe path: %(reason)s'


def _checked_uuid(uuid):
    """``uuid`` if it is a canonical (lowercase, hyphenated) UUID."""
    try:
        if isinstance(uuid, str) and str(uuidlib.UUID(uuid)) == uuid:
            return uuid
    except ValueError:
        pass
    raise UnsafePath(reason='%r is not an instance UUID' % (uuid,))


def contained(root, path):
    """``path`` if it resolves (symlinks followed) strictly under ``root``.

    :raises: UnsafePath
    """
    real_root = os.path.realpath(root)
    if os.path.realpath(path).startswith(real_root + os.sep):
        return path
    raise UnsafePath(reason='%s is not under %s' % (path, root))


def _child(root, name):
    if (not name or name in ('.', '..') or os.sep in name or
            (os.altsep and os.altsep in name)):
        raise UnsafePath(reason='%r is not a file name' % (name,))
    return contained(root, os.path.join(root, name))


def base_file(base_dir, name):
    """``<base_dir>/<name>`` for a 40-hex sha1 ``name`` (image cache)."""
    if not isinstance(name, str) or not _SHA1_HEX.fullmatch(name):
        raise UnsafePath(reason='%r is not a sha1 base name' % (name,))
    return _child(base_dir, name)


def qemu_img(*args, limits=None):
    """qemu-img's stdout (see :func:`qemu_img.run`)."""
    return qimg.run(*args, limits=limits)


def qemu_img_info(path, fmt, limits=None, force_share=False):
    """``qemu-img info`` of ``path`` read as ``fmt``, as a dict (format,
    virtual-size...). ``force_share`` reads a disk a running QEMU holds
    locked."""
    args = ['info', '--output=json', '-f', fmt] + (
        ['-U'] if force_share else [])
    return json.loads(qemu_img(*(args + [path]), limits=limits))


def qcow2_problem(path, limits=None):
    """What ``qemu-img check`` finds wrong with a qcow2 file (a truncated
    or corrupt one still passes ``info``), or None. Leaked clusters are
    harmless and not reported."""
    try:
        qimg.run('check', '-f', 'qcow2', '--output=json', path,
                 limits=limits, ok_codes=(0, 3))    # 3: leaks only
        return None
    except QemuImgError as exc:
        if exc.exit_code == 2:                      # corruptions found
            try:
                result = json.loads(exc.stdout)
                return '%d corruptions, %d check errors' % (
                    result.get('corruptions', 0),
                    result.get('check-errors', 0))
            except ValueError:
                pass
        return str(exc)


def ensure_dir(path):
    """Create ``path`` traversable by QEMU (mode 0755)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, _DIR_MODE)
    return path


def disk_path(instances_path, uuid, name='disk'):
    return _child(instance_dir(instances_path, uuid), name)


def create_cow_disk(base, base_format, path, size_bytes=None, limits=None):
    """A qcow2 overlay on ``base`` (read as ``base_format``) of
    ``size_bytes`` (the base's size when None)."""
    args = ['create', '-f', 'qcow2', '-F', base_format, '-b', base, path]
    if size_bytes:
        args.append(str(size_bytes))
    qemu_img(*args, limits=limits)
    return path


def create_raw_disk(base, base_format, path, size_bytes=None, limits=None):
    """A full raw copy of ``base`` (read as ``base_format``), grown to
    ``size_bytes`` if larger."""
    qemu_img('convert', '-f', base_format, '-O', 'raw', base, path,
             limits=limits)
    if size_bytes and size_bytes > os.path.getsize(path):
        qemu_img('resize', '-f', 'raw', path, str(size_bytes))
    return path


def convert_to_qcow2(src, src_format, dest, limits=None):
    """A standalone qcow2 copy of ``src`` (read as ``src_format``; backing
    chain flattened); reads a disk a paused or stopped QEMU still holds
    locked."""
    qemu_img('convert', '-U', '-f', src_format, '-O', 'qcow2', src, dest,
             limits=limits)
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
    """``<instances_path>/<uuid>``, for a canonical UUID only.

    :raises: UnsafePath
    """
    return _child(instances_path, _checked_uuid(uuid))


def console_log_path(instances_path, uuid):
    return disk_path(instances_path, uuid, 'console.log')


def create_instance_dir(instances_path, uuid):
    path = instance_dir(instances_path, uuid)
    ensure_dir(instances_path)
    return ensure_dir(path)


def create_root_disk(instances_path, uuid, size_gb):
    """An empty qcow2 root disk of ``size_gb`` GiB (at least 1)."""
    path = disk_path(instances_path, uuid)
    qemu_img('create', '-f', 'qcow2', path,
             '%dG' % max(int(size_gb or 0), 1))
    return path


def remove_instance_dir(instances_path, uuid):
    """Remove the instance's directory; refuses anything but a real
    directory under ``instances_path`` (never follows a symlink out).

    :raises: UnsafePath
    """
    path = instance_dir(instances_path, uuid)
    if os.path.islink(path):
        raise UnsafePath(reason='%s is a symbolic link' % path)
    if os.path.exists(path):
        LOG.debug('removing %s', path)
        shutil.rmtree(contained(instances_path, path))


def total_disk_gb(path):
    """Size in GiB of the file system holding ``path`` (created if missing)."""
    os.makedirs(path, exist_ok=True)
    st = os.statvfs(path)
    return st.f_frsize * st.f_blocks // (1024 ** 3)
