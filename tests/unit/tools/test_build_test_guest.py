"""The test guest's build steps that need no download: module dependency
order and shared libraries read from ELF files, the initramfs layout, and
the /init helpers (JSON lookup, shell syntax)."""

import gzip
import os
import struct
import subprocess

import pytest

from novalite.tools import build_test_guest as guest


def _elf(sections):
    """A minimal 64-bit little-endian ELF file with ``sections``
    ({name: bytes}), as much of one as the build reads."""
    names = ['', *sections, '.shstrtab']
    strtab = b''.join(n.encode() + b'\0' for n in names)
    bodies = [b''] + list(sections.values()) + [strtab]
    data, offsets = b'', []
    for body in bodies:
        offsets.append(64 + len(data))
        data += body
    shoff = 64 + len(data)
    heads = b''
    for i, body in enumerate(bodies):
        name_at = strtab.index(names[i].encode() + b'\0') if i else 0
        heads += struct.pack('<IIQQQQIIQQ', name_at, 1 if i else 0, 0, 0,
                             offsets[i], len(body), 0, 0, 1, 0)
    ident = b'\x7fELF\x02\x01\x01'.ljust(16, b'\0')
    header = ident + struct.pack('<HHIQQQIHHHHHH', 3, 62, 1, 0, 0, shoff, 0,
                                 64, 0, 0, 64, len(bodies), len(bodies) - 1)
    return header + data + heads


def _module(path, depends):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as out:
        out.write(_elf({'.modinfo': b'license=GPL\0depends=%s\0name=x\0'
                        % depends.encode(), '.text': b'\x90' * 8}))


def _binary(path, sonames, interp=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dynstr, dynamic = b'\0', b''
    for soname in sonames:
        dynamic += struct.pack('<qQ', 1, len(dynstr))
        dynstr += soname.encode() + b'\0'
    dynamic += struct.pack('<qQ', 0, 0)
    sections = {'.dynstr': dynstr, '.dynamic': dynamic}
    if interp:
        sections['.interp'] = interp.encode() + b'\0'
    with open(path, 'wb') as out:
        out.write(_elf(sections))


def test_module_order_loads_dependencies_first(tmp_path):
    kernel = tmp_path / 'kernel'
    _module(str(kernel / 'drivers/net/virtio_net.ko'),
            'virtio_ring,virtio,net_failover')
    _module(str(kernel / 'drivers/net/net_failover.ko'), 'failover')
    _module(str(kernel / 'net/core/failover.ko'), '')
    _module(str(kernel / 'drivers/virtio/virtio.ko'), 'virtio_ring')
    _module(str(kernel / 'drivers/virtio/virtio_ring.ko'), '')
    _module(str(kernel / 'fs/isofs/isofs.ko'), 'cdrom')
    _module(str(kernel / 'drivers/cdrom/cdrom.ko'), '')
    order = [os.path.basename(p) for p in guest.module_order(
        str(tmp_path), ('virtio_net', 'isofs', 'virtio'))]
    assert order == ['virtio_ring.ko', 'virtio.ko', 'failover.ko',
                     'net_failover.ko', 'virtio_net.ko', 'cdrom.ko',
                     'isofs.ko']


def test_module_order_names_what_is_missing(tmp_path):
    _module(str(tmp_path / 'kernel/fs/isofs/isofs.ko'), 'cdrom')
    with pytest.raises(RuntimeError, match='no module cdrom .needed by '
                                           'isofs'):
        guest.module_order(str(tmp_path), ('isofs',))


def test_module_dependency_loop_is_refused(tmp_path):
    _module(str(tmp_path / 'kernel/a.ko'), 'b')
    _module(str(tmp_path / 'kernel/b.ko'), 'a')
    with pytest.raises(RuntimeError, match='loop: a > b > a'):
        guest.module_order(str(tmp_path), ('a',))


def test_libraries_follow_needed_across_trees(tmp_path):
    libc = tmp_path / 'libc6'
    tom = tmp_path / 'libtomcrypt1'
    lib = 'lib/x86_64-linux-gnu'
    _binary(str(libc / lib / 'libc.so.6'), ['ld-linux-x86-64.so.2'])
    _binary(str(libc / lib / 'ld-linux-x86-64.so.2'), [])
    _binary(str(tom / 'usr' / lib / 'libtomcrypt.so.1.0.1'), ['libc.so.6'])
    # The soname is a symlink, here an absolute one: it must resolve inside
    # the extracted tree, not on this host.
    os.symlink('/usr/%s/libtomcrypt.so.1.0.1' % lib,
               str(tom / 'usr' / lib / 'libtomcrypt.so.1'))
    dropbear = tmp_path / 'dropbear'
    _binary(str(dropbear), ['libtomcrypt.so.1', 'libc.so.6'],
            interp='/lib64/ld-linux-x86-64.so.2')
    files, links = guest.libraries([str(dropbear)], [str(libc), str(tom)])
    assert files == {
        lib + '/libtomcrypt.so.1': str(tom / 'usr' / lib /
                                       'libtomcrypt.so.1.0.1'),
        lib + '/libc.so.6': str(libc / lib / 'libc.so.6'),
        lib + '/ld-linux-x86-64.so.2': str(libc / lib /
                                           'ld-linux-x86-64.so.2')}
    assert links == {'lib64/ld-linux-x86-64.so.2':
                     '/%s/ld-linux-x86-64.so.2' % lib}


def test_libraries_name_a_missing_soname(tmp_path):
    _binary(str(tmp_path / 'dropbear'), ['libz.so.1'])
    with pytest.raises(RuntimeError, match='needs libz.so.1'):
        guest.libraries([str(tmp_path / 'dropbear')], [str(tmp_path)])


def _cpio_entries(blob):
    """{name: (mode, data)} of a gzip'd newc cpio archive."""
    data, entries, at = gzip.decompress(blob), {}, 0
    while True:
        fields = [int(data[at + 6 + 8 * i:at + 14 + 8 * i], 16)
                  for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_at = at + 110
        name = data[name_at:name_at + namesize - 1].decode()
        body_at = name_at + namesize + (-(name_at + namesize) % 4)
        if name == 'TRAILER!!!':
            return entries
        entries[name] = (mode, data[body_at:body_at + size])
        at = body_at + size + (-(body_at + size) % 4)


def test_initramfs_layout(tmp_path):
    for name in ('busybox', 'evdev.ko', 'virtio.ko', 'dropbear', 'libc.so.6'):
        (tmp_path / name).write_bytes(name.encode())
    blob = guest.make_initramfs(
        str(tmp_path / 'busybox'),
        {'power': [str(tmp_path / 'evdev.ko')],
         'guest': [str(tmp_path / 'virtio.ko')]},
        poweroff_after=3,
        files={'bin/dropbear': (str(tmp_path / 'dropbear'), 0o755),
               'lib/x86_64-linux-gnu/libc.so.6': (
                   str(tmp_path / 'libc.so.6'), 0o755)},
        links={'lib64/ld-linux-x86-64.so.2':
               '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'})
    entries = _cpio_entries(blob)
    assert entries['init'][0] == 0o100755
    assert entries['init'][1] == guest.INIT.encode()
    assert entries['bin/dropbear'] == (0o100755, b'dropbear')
    assert entries['lib/modules/power/00-evdev.ko'][1] == b'evdev.ko'
    assert entries['lib/modules/guest/00-virtio.ko'][1] == b'virtio.ko'
    assert entries['lib64/ld-linux-x86-64.so.2'][0] == 0o120777
    assert entries['etc/passwd'][1] == b'root:x:0:0:root:/root:/bin/sh\n'
    assert entries['etc/udhcpc/default.script'][0] == 0o100755
    assert entries['etc/poweroff_after'][1] == b'3\n'
    # Every parent directory comes before what it holds.
    names = list(entries)
    for name in names:
        parent = os.path.dirname(name)
        if parent:
            assert names.index(parent) < names.index(name), name
            assert entries[parent][0] & 0o170000 == 0o040000


def test_init_markers_and_scripts_parse():
    for marker in (guest.MARKER, guest.NET_MARKER, guest.USERDATA_MARKER):
        assert marker in guest.INIT
    for script in (guest.INIT, guest.UDHCPC_SCRIPT):
        proc = subprocess.run(['sh', '-n'], input=script, text=True,
                              capture_output=True)
        assert proc.returncode == 0, proc.stderr


META_DATA = ('{"availability_zone": "nova", "hostname": "web-1", '
             '"meta": {"hostname": "evil", "public_keys": "no"}, '
             '"keys": [{"data": "k", "name": "x", "type": "ssh"}], '
             '"public_keys": {"alice": "ssh-ed25519 AAAA alice@h", '
             '"bob": "ssh-rsa BBBB \\"bob\\" \\\\ x"}, '
             '"uuid": "u-1"}\n')


@pytest.mark.parametrize('want, printed', [
    ('hostname', 'web-1\n'),
    ('public_keys', 'ssh-ed25519 AAAA alice@h\nssh-rsa BBBB "bob" \\ x\n'),
    ('missing', ''),
])
def test_json_get(tmp_path, want, printed):
    (tmp_path / 'get.awk').write_text(guest.JSON_GET)
    (tmp_path / 'md.json').write_text(META_DATA)
    proc = subprocess.run(['awk', '-v', 'want=' + want, '-f',
                           str(tmp_path / 'get.awk'),
                           str(tmp_path / 'md.json')],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == printed
