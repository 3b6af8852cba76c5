"""Build the tiny test guest from Debian packages, with no other download.

    python -m novalite.tools.build_test_guest [--out DIR]

The kernel comes from Debian's ``linux-image-*-cloud-amd64`` package and the
userland from ``busybox-static`` (``apt-get download`` + ``dpkg-deb -x``, so
nothing is installed on the host). The initramfs (cpio newc, gzip, written
here in Python) holds busybox, the two kernel modules ACPI power-button
events need (``evdev``, ``button``: modules in the cloud kernel) and an
``/init`` that prints ``NOVALITE-GUEST-UP uptime=<s>`` on the serial console
and then waits like a small OS, powering off on the ACPI power button (so
``virsh shutdown``, Nova's soft reboot and clean stop work).

Outputs, as an AMI trio (``aki``/``ari``/``ami``) for direct-kernel boot:

- ``kernel``                the cloud kernel (AKI)
- ``initramfs``             the busybox root (ARI)
- ``initramfs-poweroff``    the same, but powers itself off
                            ``POWEROFF_AFTER`` s after the marker (ARI), for
                            "a guest that shuts itself down becomes SHUTOFF"
- ``disk.raw``              a small empty raw disk (AMI: the root is the
                            initramfs; the disk is only there to attach)

and ``disk.qcow2``, a bootable qcow2 disk image (disk boot, no kernel_id):
a FAT filesystem over the whole disk ("superfloppy", no partition table)
made with ``mkfs.fat`` and filled with ``mcopy``, with SYSLINUX installed by
Debian's mtools-based ``syslinux`` installer, so no loop device and no mount
is needed (``dosfstools``, ``mtools``, ``syslinux``, ``syslinux-common`` are
extracted like the kernel, not installed).

Idempotent: ``manifest.json`` in the output directory names the package
versions; when it matches what apt offers now and the files are there,
nothing is rebuilt. Files are world-readable so QEMU (user libvirt-qemu) can
read them.
"""

import argparse
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = 'NOVALITE-GUEST-UP'
POWEROFF_AFTER = 3
KERNEL_META = 'linux-image-cloud-amd64'
BUSYBOX = 'busybox-static'
BOOTLOADER = ('dosfstools', 'mtools', 'syslinux', 'syslinux-common')
FAT_KIB = 32 * 1024
SYSLINUX_CFG = '''DEFAULT linux
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=tty0 console=ttyS0
'''
MODULES = ('kernel/drivers/input/evdev.ko', 'kernel/drivers/acpi/button.ko')
FILES = {'kernel': 'kernel', 'initramfs': 'initramfs',
         'initramfs_poweroff': 'initramfs-poweroff', 'disk': 'disk.raw',
         'qcow2': 'disk.qcow2'}
DISK_BYTES = 1024 * 1024

# /init, PID 1. busybox installs its applets as symlinks first. printk is
# turned down before the marker so kernel messages cannot split its line.
INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done
for _ in 1 2 3 4 5 6 7 8 9 10; do
    ls /dev/input/event* >/dev/null 2>&1 && break
    sleep 0.2
done
mkdir -p /etc/acpi/PWRF
printf '#!/bin/sh\necho NOVALITE-GUEST-POWER-BUTTON > /dev/ttyS0\nsync\npoweroff -f\n' \
    > /etc/acpi/PWRF/00000080
chmod 755 /etc/acpi/PWRF/00000080
acpid -c /etc/acpi -l /tmp/acpid.log
echo 1 > /proc/sys/kernel/printk
read up _ < /proc/uptime
echo "@MARKER@ uptime=$up" > /dev/ttyS0
after=$(sed -n 's/.*novalite\.poweroff_after=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -z "$after" ] && [ -f /etc/poweroff_after ] && after=$(cat /etc/poweroff_after)
if [ -n "$after" ]; then
    sleep "$after"
    echo "NOVALITE-GUEST-POWEROFF" > /dev/ttyS0
    sync
    poweroff -f
fi
while :; do sleep 3600; done
'''.replace('@MARKER@', MARKER)


def default_out():
    return os.path.join(os.environ.get('NOVALITE_STATE',
                                       os.path.join(os.getcwd(), '.state')),
                        'test-guest')


def _run(*cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (
            ' '.join(cmd), proc.returncode,
            proc.stderr.strip() or proc.stdout.strip()))
    return proc.stdout


_APT_UPDATED = []


def _apt_cache(*args):
    """apt-cache, after one ``apt-get update`` if the lists look empty (a
    fresh machine has none until then)."""
    try:
        out = _run('apt-cache', *args)
    except RuntimeError:
        out = ''
    if ('Candidate: (none)' in out or not out.strip()) and not _APT_UPDATED:
        _run('apt-get', 'update', '-qq')
        _APT_UPDATED.append(True)
        out = _run('apt-cache', *args)
    return out


def _candidate(package):
    out = _apt_cache('policy', package)
    match = re.search(r'Candidate:\s*(\S+)', out)
    if not match or match.group(1) == '(none)':
        raise RuntimeError('apt offers no %s' % package)
    return match.group(1)


def kernel_package():
    """The newest cloud kernel apt offers: the meta-package's dependency."""
    out = _apt_cache('depends', KERNEL_META)
    found = re.findall(r'Depends:\s*(linux-image-[\d.]+-\d+-cloud-amd64)\b',
                       out)
    if not found:
        raise RuntimeError('%s names no kernel package:\n%s' % (
            KERNEL_META, out))
    return found[0]


def _fetch(package, workdir):
    """``apt-get download`` of ``package``; returns the .deb's path."""
    # _apt must be able to write where apt-get download puts the file.
    os.chmod(workdir, 0o777)
    try:
        _run('apt-get', 'download', '-q', package, cwd=workdir)
    except RuntimeError:
        _run('apt-get', 'update', '-qq')
        _run('apt-get', 'download', '-q', package, cwd=workdir)
    return glob.glob(os.path.join(workdir, package + '_*.deb'))[0]


def _download(package, workdir):
    """``apt-get download`` then ``dpkg-deb -x``; returns the tree."""
    tree = os.path.join(workdir, package + '.tree')
    _run('dpkg-deb', '-x', _fetch(package, workdir), tree)
    return tree


class Cpio:
    """A cpio archive in the newc format the kernel unpacks as initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b'', nlink=1):
        name_b = name.encode() + b'\0'
        header = '070701' + ''.join('%08X' % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
            len(name_b), 0))
        self.ino += 1
        self.buf.write(header.encode() + name_b)
        self._pad()
        self.buf.write(data)
        self._pad()

    def _pad(self):
        self.buf.write(b'\0' * (-self.buf.tell() % 4))

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def gzip(self):
        self._entry('TRAILER!!!', 0)
        return gzip.compress(self.buf.getvalue(), 9)


def make_initramfs(busybox, modules, poweroff_after=None):
    """gzip'd cpio: busybox, the modules, /init (and /etc/poweroff_after)."""
    arc = Cpio()
    for path in ('bin', 'dev', 'proc', 'sys', 'etc', 'lib', 'lib/modules',
                 'tmp'):
        arc.dir(path)
    with open(busybox, 'rb') as src:
        arc.file('bin/busybox', src.read(), 0o755)
    arc.symlink('bin/sh', 'busybox')
    for module in modules:
        with open(module, 'rb') as src:
            arc.file('lib/modules/' + os.path.basename(module), src.read())
    arc.file('init', INIT.encode(), 0o755)
    if poweroff_after is not None:
        arc.file('etc/poweroff_after', b'%d\n' % poweroff_after)
    return arc.gzip()


def make_boot_disk(kernel, initramfs, tools, dest, work):
    """A qcow2 disk that boots ``kernel`` + ``initramfs`` with SYSLINUX
    from a whole-disk FAT filesystem; ``tools`` is the root the bootloader
    packages were extracted to, ``work`` a scratch directory. No mount, no
    loop device."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1', PATH=os.pathsep.join(
        [os.path.join(tools, 'usr', 'bin'), os.path.join(tools, 'sbin'),
         os.environ.get('PATH', '')]))
    fat = os.path.join(work, 'disk.fat')
    # Beside dest (same filesystem), so the final rename is atomic.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix='.disk')
    os.close(fd)
    files = {'vmlinuz': kernel, 'initrd.gz': initramfs}
    staged = []
    for name, src in files.items():
        shutil.copy(src, os.path.join(work, name))
        staged.append(os.path.join(work, name))
    cfg = os.path.join(work, 'syslinux.cfg')
    with open(cfg, 'w') as out:
        out.write(SYSLINUX_CFG)
    staged.append(cfg)
    try:
        for cmd in (['mkfs.fat', '-C', '-n', 'NOVALITE', fat, str(FAT_KIB)],
                    ['mcopy', '-i', fat] + staged + ['::/'],
                    ['syslinux', '--install', fat],
                    ['qemu-img', 'convert', '-q', '-O', 'qcow2', fat, tmp]):
            proc = subprocess.run(cmd, env=env, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                raise RuntimeError('%s failed: %s' % (
                    ' '.join(cmd[:2]), proc.stderr.strip()))
        os.chmod(tmp, 0o644)
        os.rename(tmp, dest)
    finally:
        for path in staged + [fat, tmp]:
            if os.path.exists(path):
                os.unlink(path)


def _write(path, data):
    """Write to a unique temporary name, then rename: concurrent builds
    (two test runs) never see or leave a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix='.' + os.path.basename(path))
    with os.fdopen(fd, 'wb') as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def _manifest(out_dir):
    try:
        with open(os.path.join(out_dir, 'manifest.json')) as src:
            return json.load(src)
    except (OSError, ValueError):
        return None


def build(out_dir=None, force=False):
    """Build (or reuse) the guest; returns the manifest: paths and versions.

    :returns: {'kernel', 'initramfs', 'initramfs_poweroff', 'disk': paths,
        'kernel_package', 'kernel_version', 'busybox_version', 'marker',
        'poweroff_after'}
    """
    out_dir = os.path.abspath(out_dir or default_out())
    kpkg = kernel_package()
    want = {'kernel_package': kpkg, 'kernel_version': _candidate(kpkg),
            'busybox_version': _candidate(BUSYBOX), 'marker': MARKER,
            'syslinux_version': _candidate('syslinux'),
            'poweroff_after': POWEROFF_AFTER,
            'init_sha': hash_text(INIT)}
    have = _manifest(out_dir)
    paths = {key: os.path.join(out_dir, name) for key, name in FILES.items()}
    if (not force and have and all(have.get(k) == v for k, v in want.items())
            and all(os.path.exists(p) for p in paths.values())):
        return have
    os.makedirs(out_dir, exist_ok=True)
    _traversable(out_dir)
    with tempfile.TemporaryDirectory(prefix='novalite-guest-') as work:
        ktree = _download(kpkg, work)
        btree = _download(BUSYBOX, work)
        vmlinuz = glob.glob(os.path.join(ktree, 'boot', 'vmlinuz-*'))[0]
        moddir = glob.glob(os.path.join(ktree, 'lib', 'modules', '*'))[0]
        modules = [os.path.join(moddir, m) for m in MODULES]
        busybox = os.path.join(btree, 'bin', 'busybox')
        with open(vmlinuz, 'rb') as src:
            _write(paths['kernel'], src.read())
        _write(paths['initramfs'], make_initramfs(busybox, modules))
        _write(paths['initramfs_poweroff'],
               make_initramfs(busybox, modules, POWEROFF_AFTER))
        _write(paths['disk'], b'\0' * DISK_BYTES)
        tools = os.path.join(work, 'bootloader')
        for package in BOOTLOADER:
            _run('dpkg-deb', '-x', _fetch(package, work), tools)
        make_boot_disk(paths['kernel'], paths['initramfs'], tools,
                       paths['qcow2'], work)
    manifest = dict(want, **paths)
    _write(os.path.join(out_dir, 'manifest.json'),
           json.dumps(manifest, indent=2).encode())
    return manifest


def upload(conn, manifest, prefix='novalite-guest', visibility='public',
           with_qcow2=False):
    """Upload the guest as AMI trios through the image API (openstacksdk
    ``conn``): one AKI, two ARIs and two AMIs naming them (and the bootable
    qcow2 disk with ``with_qcow2``).

    :returns: image ids {'aki', 'ari', 'ari_poweroff', 'ami',
        'ami_poweroff'[, 'qcow2']}; ``ami_poweroff`` boots the guest that
        powers itself off ``POWEROFF_AFTER`` s after its marker.
    """
    def create(name, path, fmt, **props):
        image = conn.image.create_image(
            name='%s-%s' % (prefix, name), filename=path, disk_format=fmt,
            container_format='bare' if fmt == 'qcow2' else fmt,
            visibility=visibility, wait=True,
            allow_duplicates=True, **props)
        return image.id
    ids = {'aki': create('kernel', manifest['kernel'], 'aki'),
           'ari': create('initramfs', manifest['initramfs'], 'ari'),
           'ari_poweroff': create('initramfs-poweroff',
                                  manifest['initramfs_poweroff'], 'ari')}
    ids['ami'] = create('disk', manifest['disk'], 'ami',
                        kernel_id=ids['aki'], ramdisk_id=ids['ari'])
    ids['ami_poweroff'] = create('disk-poweroff', manifest['disk'], 'ami',
                                 kernel_id=ids['aki'],
                                 ramdisk_id=ids['ari_poweroff'])
    if with_qcow2:
        ids['qcow2'] = create('qcow2', manifest['qcow2'], 'qcow2')
    return ids


def hash_text(text):
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _traversable(path):
    """o+rx on the output directory, so QEMU can read the files (its
    parents are left as they are: the driver copies what it boots into the
    instance directory anyway)."""
    os.chmod(path, os.stat(path).st_mode | 0o005)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=None,
                        help='output directory (default: .state/test-guest)')
    parser.add_argument('--force', action='store_true',
                        help='rebuild even when the cache is current')
    args = parser.parse_args(argv)
    manifest = build(args.out, force=args.force)
    json.dump(manifest, sys.stdout, indent=2)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
