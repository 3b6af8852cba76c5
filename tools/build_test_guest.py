"""Build the tiny test guest from Debian packages, with no other download.

    python -m novalite.tools.build_test_guest [--out DIR]

The kernel comes from Debian's ``linux-image-*-cloud-amd64`` package and the
userland from ``busybox-static`` and ``dropbear-bin`` with the libraries it
links against (``apt-get download`` + ``dpkg-deb -x``, so nothing is
installed on the host). The initramfs (cpio newc, gzip, written here in
Python) holds busybox, dropbear, kernel modules from the cloud kernel (the
ACPI power button; virtio-net; the IDE CD-ROM and ISO 9660 for the config
drive) and an ``/init`` that prints ``NOVALITE-GUEST-UP uptime=<s>`` on the
serial console and then waits like a small OS, powering off on the ACPI
power button (so ``virsh shutdown``, Nova's soft reboot and clean stop
work). After the marker, in the background, it mounts the config drive
(label ``config-2``) if there is one, installs its ``public_keys`` as root's
``authorized_keys`` and sets the hostname, starts dropbear on port 22, gets
eth0's address by DHCP (busybox ``udhcpc``, ~20 s of tries) if there is a
NIC, and prints ``NOVALITE-GUEST-NET <ip>`` (or ``none``) and, when the
drive has user data, ``NOVALITE-USERDATA <its first line>``.

The guest needs about 80 MB of RAM (the kernel alone cannot start in 64: it
decompresses itself above 16 MB into 51.5 MB); flavors give it 128.

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
import struct
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
# Kernel modules, by name; what they depend on (each module's .modinfo) is
# loaded first. Before the marker: the ACPI power button (evdev, button).
# After it, in the background so the marker keeps its timing: virtio-net
# behind virtio-pci, the IDE CD-ROM the config drive is attached as on the
# 'pc' machine (ata_piix, sr_mod; the cloud kernel has no AHCI driver) and
# the ISO 9660 filesystem.
MODULES = ('evdev', 'button')
GUEST_MODULES = ('virtio_pci', 'virtio_net', 'ata_piix', 'sr_mod', 'isofs')
DROPBEAR = 'dropbear-bin'
# Where the libraries dropbear links against come from: its dependencies
# (and libtomcrypt's libgmp). Every soname a binary needs must be found in
# them, or the build fails saying which.
LIBRARIES = ('libc6', 'libcrypt1', 'libtomcrypt1', 'libtommath1', 'zlib1g',
             'libgmp10')
LIBDIR = 'lib/x86_64-linux-gnu'
FILES = {'kernel': 'kernel', 'initramfs': 'initramfs',
         'initramfs_poweroff': 'initramfs-poweroff', 'disk': 'disk.raw',
         'qcow2': 'disk.qcow2'}
DISK_BYTES = 1024 * 1024
NET_MARKER = 'NOVALITE-GUEST-NET'
USERDATA_MARKER = 'NOVALITE-USERDATA'

# awk -v want=KEY: prints a top-level key's value from a JSON document: a
# string as is, an object's string values one per line (public_keys). A
# key of the same name nested deeper (in "meta") is not taken for it.
JSON_GET = r"""{ doc = doc $0 "\n" }
END {
    n = split(doc, ch, "")
    depth = 0
    for (i = 1; i <= n; i++) {
        c = ch[i]
        if (c == "\"") {
            s = ""
            for (i++; i <= n && ch[i] != "\""; i++) {
                if (ch[i] == "\\") { i++; s = s (ch[i] == "n" ? "\n" : ch[i]) }
                else s = s ch[i]
            }
            if (!value[depth]) { if (depth == 1) key = s }
            else if (key == want && depth <= 2) print s
        } else if (c == ":") value[depth] = 1
        else if (c == ",") value[depth] = 0
        else if (c == "{" || c == "[") value[++depth] = 0
        else if (c == "}" || c == "]") depth--
    }
}
"""

# busybox udhcpc's event script: address and netmask, the MTU and the
# default route when the server gives them (an isolated network has no
# router), resolv.conf.
UDHCPC_SCRIPT = r"""#!/bin/sh
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    # A renewal keeps the address (and the connections using it).
    if ! ip -4 addr show dev "$interface" | grep -q " $ip/"; then
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" broadcast + dev "$interface"
    fi
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    for r in $router; do
        ip route replace default via "$r" dev "$interface"
        break
    done
    : > /etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
    for s in $dns; do echo "nameserver $s" >> /etc/resolv.conf; done
    ;;
esac
exit 0
"""

ETC = {'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
       'etc/group': 'root:x:0:\n', 'etc/shells': '/bin/sh\n',
       'etc/udhcpc/default.script': UDHCPC_SCRIPT,
       'etc/json_get.awk': JSON_GET}

# /init, PID 1. busybox installs its applets as symlinks first. The
# modules are numbered in load order. printk is turned down before the
# marker so kernel messages cannot split its line. The network, the config
# drive and sshd come after the marker, in the background, so the marker
# and the poweroff variant keep their timing.
INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
for m in /lib/modules/power/*.ko; do insmod "$m" 2>/dev/null; done
for _ in 1 2 3 4 5 6 7 8 9 10; do
    ls /dev/input/event* >/dev/null 2>&1 && break
    sleep 0.2
done
mkdir -p /etc/acpi/PWRF
printf '#!/bin/sh\necho NOVALITE-GUEST-POWER-BUTTON > /dev/ttyS0\nsync\npoweroff -f\n' \
    > /etc/acpi/PWRF/00000080
chmod 755 /etc/acpi/PWRF/00000080
acpid -c /etc/acpi -l /tmp/acpid.log

json_get() {
    awk -v want="$1" -f /etc/json_get.awk "$2"
}

# The config drive: the block device whose ISO 9660 volume label is
# config-2 (32 bytes at 32808, space-padded), mounted on /mnt/config.
mount_config_drive() {
    mkdir -p /mnt/config
    for dev in /dev/sr* /dev/hd? /dev/sd? /dev/vd?; do
        [ -b "$dev" ] || continue
        label=$(dd if="$dev" bs=8 skip=4101 count=2 2>/dev/null)
        [ "$label" = 'config-2        ' ] || continue
        mount -t iso9660 -o ro "$dev" /mnt/config && return 0
    done
    return 1
}

setup() {
    for m in /lib/modules/guest/*.ko; do insmod "$m" 2>/dev/null; done
    ip link set lo up
    mkdir -p -m 700 /root
    md=/mnt/config/openstack/latest
    if mount_config_drive; then
        mkdir -p -m 700 /root/.ssh
        json_get public_keys $md/meta_data.json > /root/.ssh/authorized_keys
        chmod 600 /root/.ssh/authorized_keys
        name=$(json_get hostname $md/meta_data.json | tr -cd 'A-Za-z0-9.-')
        [ -n "$name" ] && hostname "$name" && echo "$name" > /etc/hostname
    fi
    # Keys first, then sshd, then the address: once the NET line is out,
    # root can log in with the server's key.
    mkdir -p /etc/dropbear /var/run /var/log
    dropbear -R -s -p 22 -E 2>> /tmp/dropbear.log
    if [ -e /sys/class/net/eth0 ]; then
        # Forks into the background (renewing) once it has a lease.
        udhcpc -i eth0 -t 10 -T 2 -n -O mtu > /tmp/udhcpc.log 2>&1
    fi
    ip=$(ip -4 -o addr show dev eth0 2>/dev/null |
         sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
    echo "@NET@ ${ip:-none}" > /dev/ttyS0
    if [ -f $md/user_data ]; then
        echo "@USERDATA@ $(head -n 1 $md/user_data | tr -d '\r')" > /dev/ttyS0
    fi
}

echo 1 > /proc/sys/kernel/printk
read up _ < /proc/uptime
echo "@MARKER@ uptime=$up" > /dev/ttyS0
setup > /tmp/setup.log 2>&1 &
after=$(sed -n 's/.*novalite\.poweroff_after=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -z "$after" ] && [ -f /etc/poweroff_after ] && after=$(cat /etc/poweroff_after)
if [ -n "$after" ]; then
    sleep "$after"
    echo "NOVALITE-GUEST-POWEROFF" > /dev/ttyS0
    sync
    poweroff -f
fi
while :; do sleep 3600; done
""".replace('@MARKER@', MARKER).replace('@NET@', NET_MARKER).replace(
    '@USERDATA@', USERDATA_MARKER)


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


def _elf_sections(path):
    """{name: bytes} of the sections of a 64-bit little-endian ELF file
    (a kernel module or an x86-64 binary or library)."""
    with open(path, 'rb') as src:
        data = src.read()
    if data[:6] != b'\x7fELF\x02\x01':
        raise RuntimeError('%s is not a 64-bit little-endian ELF file' % path)
    shoff, = struct.unpack_from('<Q', data, 0x28)
    entsize, count, names_at = struct.unpack_from('<HHH', data, 0x3a)
    heads = [struct.unpack_from('<IIQQQQ', data, shoff + i * entsize)
             for i in range(count)]

    def body(head):   # SHT_NOBITS (8) has no bytes in the file
        return b'' if head[1] == 8 else data[head[4]:head[4] + head[5]]
    names = body(heads[names_at])
    return {names[h[0]:names.index(b'\0', h[0])].decode(): body(h)
            for h in heads}


def _cstr(table, offset):
    return table[offset:table.index(b'\0', offset)].decode()


def modinfo(path):
    """A kernel module's .modinfo fields ({'depends': 'a,b', ...})."""
    fields = {}
    for item in _elf_sections(path).get('.modinfo', b'').split(b'\0'):
        key, sep, value = item.decode(errors='replace').partition('=')
        if sep:
            fields.setdefault(key, value)
    return fields


def needed(path):
    """(interpreter or None, [sonames]) an ELF binary or library needs."""
    sections = _elf_sections(path)
    dynamic, dynstr = sections.get('.dynamic', b''), sections.get(
        '.dynstr', b'')
    sonames = []
    for offset in range(0, len(dynamic) - 15, 16):
        tag, value = struct.unpack_from('<qQ', dynamic, offset)
        if tag == 0:        # DT_NULL
            break
        if tag == 1:        # DT_NEEDED
            sonames.append(_cstr(dynstr, value))
    interp = sections.get('.interp', b'').rstrip(b'\0').decode()
    return interp or None, sonames


def module_order(moddir, names):
    """Paths of the modules ``names`` and of everything they depend on
    (their .modinfo ``depends``, as depmod reads it), dependencies first:
    the order insmod needs. The kernel package ships no modules.dep."""
    index = {}
    for path in glob.glob(os.path.join(moddir, 'kernel', '**', '*.ko'),
                          recursive=True):
        index[os.path.basename(path)[:-3].replace('-', '_')] = path
    order = []

    def visit(name, chain):
        if name in chain:
            raise RuntimeError('module dependency loop: %s' % ' > '.join(
                chain + (name,)))
        if name in order:
            return
        if name not in index:
            raise RuntimeError('the kernel has no module %s (needed by %s)'
                               % (name, ' > '.join(chain) or 'the guest'))
        for dep in modinfo(index[name]).get('depends', '').split(','):
            if dep:
                visit(dep.replace('-', '_'), chain + (name,))
        order.append(name)
    for name in names:
        visit(name, ())
    return [index[name] for name in order]


def _in_tree(tree, path):
    """``path`` with its symlinks followed inside the extracted ``tree``
    (absolute targets are relative to the tree, not to this host)."""
    for _ in range(16):
        if not os.path.islink(path):
            return path
        target = os.readlink(path)
        path = (os.path.join(tree, target.lstrip('/'))
                if target.startswith('/')
                else os.path.join(os.path.dirname(path), target))
    raise RuntimeError('symlink loop at %s' % path)


def libraries(binaries, trees):
    """What the dynamically linked ``binaries`` need in the initramfs,
    found by soname in the extracted package ``trees``.

    :returns: ({archive path: host file} of the libraries and the dynamic
        loader, all in LIBDIR; {archive path: target} of the loader's
        symlink where the binaries expect it, e.g. lib64/)
    """
    index = {}
    for tree in trees:
        for libdir in (LIBDIR, 'usr/' + LIBDIR):
            for path in glob.glob(os.path.join(tree, libdir, '*.so*')):
                index.setdefault(os.path.basename(path), (tree, path))
    files, links, todo = {}, {}, list(binaries)
    while todo:
        binary = todo.pop()
        interp, sonames = needed(binary)
        if interp:
            sonames.append(os.path.basename(interp))
            home = '/%s/%s' % (LIBDIR, os.path.basename(interp))
            if interp != home:
                links[interp.lstrip('/')] = home
        for soname in sonames:
            dest = '%s/%s' % (LIBDIR, soname)
            if dest in files:
                continue
            if soname not in index:
                raise RuntimeError('%s needs %s, which none of %s has' % (
                    binary, soname, ', '.join(LIBRARIES)))
            files[dest] = _in_tree(*index[soname])
            todo.append(files[dest])
    return files, links


def make_initramfs(busybox, modules, poweroff_after=None, files=None,
                   links=None):
    """gzip'd cpio: busybox, the modules ({'power': [paths], 'guest':
    [paths]}: lib/modules/<group>/, numbered in load order), /init, /etc,
    ``files`` ({archive path: (host path, mode)}), ``links`` ({archive path:
    target}) (and /etc/poweroff_after)."""
    files, links = dict(files or {}), dict(links or {})
    arc = Cpio()
    dirs = {'bin', 'dev', 'proc', 'sys', 'etc', 'tmp', 'mnt'}
    dirs.update('lib/modules/' + group for group in modules)
    for path in list(files) + list(links) + list(ETC):
        dirs.add(os.path.dirname(path))
    for path in sorted(dirs):
        parts = path.split('/')
        for depth in range(1, len(parts) + 1):
            dirs.add('/'.join(parts[:depth]))
    for path in sorted(dirs):
        arc.dir(path)
    with open(busybox, 'rb') as src:
        arc.file('bin/busybox', src.read(), 0o755)
    arc.symlink('bin/sh', 'busybox')
    for group, paths in sorted(modules.items()):
        for number, module in enumerate(paths):
            with open(module, 'rb') as src:
                arc.file('lib/modules/%s/%02d-%s' % (
                    group, number, os.path.basename(module)), src.read())
    for path, (host, mode) in sorted(files.items()):
        with open(host, 'rb') as src:
            arc.file(path, src.read(), mode)
    for path, target in sorted(links.items()):
        arc.symlink(path, target)
    for path, text in sorted(ETC.items()):
        arc.file(path, text.encode(),
                 0o755 if text.startswith('#!') else 0o644)
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

    :returns: {'kernel', 'initramfs', 'initramfs_poweroff', 'disk', 'qcow2':
        paths, 'kernel_package', 'kernel_version', 'busybox_version',
        'dropbear_version', 'library_versions', 'modules', 'marker',
        'net_marker', 'userdata_marker', 'poweroff_after'}
    """
    out_dir = os.path.abspath(out_dir or default_out())
    kpkg = kernel_package()
    want = {'kernel_package': kpkg, 'kernel_version': _candidate(kpkg),
            'busybox_version': _candidate(BUSYBOX),
            'dropbear_version': _candidate(DROPBEAR),
            'library_versions': {p: _candidate(p) for p in LIBRARIES},
            'modules': list(MODULES + GUEST_MODULES), 'marker': MARKER,
            'net_marker': NET_MARKER, 'userdata_marker': USERDATA_MARKER,
            'syslinux_version': _candidate('syslinux'),
            'poweroff_after': POWEROFF_AFTER,
            'init_sha': hash_text(INIT + json.dumps(ETC, sort_keys=True))}
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
        dtree = _download(DROPBEAR, work)
        ltrees = [_download(p, work) for p in LIBRARIES]
        vmlinuz = glob.glob(os.path.join(ktree, 'boot', 'vmlinuz-*'))[0]
        moddir = glob.glob(os.path.join(ktree, 'lib', 'modules', '*'))[0]
        modules = {'power': module_order(moddir, MODULES)}
        modules['guest'] = [m for m in module_order(moddir, GUEST_MODULES)
                            if m not in modules['power']]
        busybox = os.path.join(btree, 'bin', 'busybox')
        dropbear = os.path.join(dtree, 'usr', 'sbin', 'dropbear')
        libs, links = libraries([dropbear], ltrees)
        files = {'bin/dropbear': (dropbear, 0o755)}
        files.update({path: (host, 0o755) for path, host in libs.items()})
        with open(vmlinuz, 'rb') as src:
            _write(paths['kernel'], src.read())
        _write(paths['initramfs'], make_initramfs(
            busybox, modules, files=files, links=links))
        _write(paths['initramfs_poweroff'], make_initramfs(
            busybox, modules, POWEROFF_AFTER, files=files, links=links))
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
