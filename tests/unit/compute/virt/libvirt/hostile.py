"""Crafted images that try to make qemu-img or QEMU read a host file, and
the secret they aim at: a file of random bytes with a unique marker, so a
test can tell whether those bytes reached an instance disk or a snapshot.
Built with the real qemu-img where it can make them, by hand otherwise."""

import os
import subprocess
import uuid

SECRET_SIZE = 64 * 1024


def _qemu_img(*args):
    subprocess.run(['qemu-img'] + list(args), check=True,
                   capture_output=True)


def secret(directory):
    """(path, marker): a host file the images point at. The marker is
    repeated through it so any copied cluster shows it."""
    marker = ('NOVALITE-SECRET-%s' % uuid.uuid4().hex).encode()
    data = (marker + b'\n') * (SECRET_SIZE // (len(marker) + 1) + 1)
    path = os.path.join(str(directory), 'host-secret')
    with open(path, 'wb') as out:
        out.write(data[:SECRET_SIZE])
    return path, marker


def qcow2_with_data_file(directory, target):
    """A qcow2 whose external raw data file is ``target``: reading the
    guest disk reads the host file (CVE-2024-32498). qemu-img create would
    truncate the data file it names, so it names a decoy path of the same
    length and the header extension is patched to ``target`` afterwards."""
    directory = str(directory)
    decoy = os.path.join(os.path.dirname(target),
                         'd' * len(os.path.basename(target)))
    assert len(decoy) == len(target)
    path = os.path.join(directory, 'data-file-%s.qcow2' % uuid.uuid4().hex)
    _qemu_img('create', '-f', 'qcow2', '-o',
              'data_file=%s,data_file_raw=on' % decoy, path,
              str(SECRET_SIZE))
    os.unlink(decoy)
    with open(path, 'rb') as f:
        data = f.read()
    assert data.count(decoy.encode()) == 1
    with open(path, 'wb') as f:
        f.write(data.replace(decoy.encode(), target.encode()))
    return path


def qcow2_with_backing_file(directory, target):
    """A qcow2 whose backing file is the host file ``target`` (read as
    raw): the guest sees the file under its unwritten clusters."""
    path = os.path.join(str(directory), 'backing-%s.qcow2'
                        % uuid.uuid4().hex)
    _qemu_img('create', '-f', 'qcow2', '-u', '-F', 'raw', '-b', target,
              path, str(SECRET_SIZE))
    return path


def vmdk_flat_descriptor(directory, target):
    """A VMDK text descriptor whose FLAT extent is the host file: qemu-img
    probing the upload as vmdk would read ``target`` as the disk."""
    path = os.path.join(str(directory), 'flat-%s.vmdk' % uuid.uuid4().hex)
    with open(path, 'w') as f:
        f.write('# Disk DescriptorFile\nversion=1\nCID=fffffffe\n'
                'parentCID=ffffffff\ncreateType="monolithicFlat"\n\n'
                'RW %d FLAT "%s" 0\n' % (SECRET_SIZE // 512, target))
    return path


def qcow2_and_iso(directory):
    """A valid qcow2 that is also an ISO 9660 image (a primary volume
    descriptor in its header cluster): two formats in one file, the trick
    that makes different readers see different disks."""
    path = os.path.join(str(directory), 'polyglot-%s.qcow2'
                        % uuid.uuid4().hex)
    _qemu_img('create', '-f', 'qcow2', path, '1M')
    with open(path, 'r+b') as f:
        f.seek(0x8000)
        f.write(b'\x01CD001\x01\x00')
    return path


def files_containing(root, marker):
    """Every file under ``root`` whose bytes contain ``marker``."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            if _contains(path, marker):
                found.append(path)
    return found


def _contains(path, marker, chunk=1024 * 1024):
    tail = b''
    with open(path, 'rb') as f:
        while True:
            data = f.read(chunk)
            if not data:
                return False
            if marker in tail + data:
                return True
            tail = data[-len(marker):]
