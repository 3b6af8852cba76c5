"""An IPv4 range that nothing on this host holds, for a test cloud's network.

Test clouds share one libvirtd with whatever earlier runs left on it: a
killed run's guest keeps its network defined (and autostarted when libvirtd
starts again), so a fixed range such as 10.0.199.0/24 may already be routed
to another bridge, and libvirt refuses to start a second one on it ("Network
is already in use by interface nlbr..."). Two CI runs failed that way.
"""

import ipaddress
import socket
import struct
import xml.etree.ElementTree as ET

ROUTES = '/proc/net/route'


def _routed():
    """The IPv4 destinations routed in this network namespace."""
    nets = []
    try:
        with open(ROUTES) as routes:
            next(routes)   # the header
            for line in routes:
                fields = line.split()
                dest, mask = (struct.pack('<I', int(fields[i], 16))
                              for i in (1, 7))
                if fields[1] == '00000000':
                    continue   # the default route covers everything
                nets.append(ipaddress.ip_network('%s/%s' % (
                    socket.inet_ntoa(dest), socket.inet_ntoa(mask)),
                    strict=False))
    except OSError:
        pass
    return nets


def _libvirt_held(uri):
    """The ranges of every libvirt network at ``uri``, running or not (an
    autostarted one comes back with libvirtd)."""
    try:
        import libvirt
        conn = libvirt.open(uri)
    except Exception:  # noqa: BLE001 -- no libvirt: routes alone decide
        return []
    nets = []
    try:
        for net in conn.listAllNetworks(0):
            try:
                root = ET.fromstring(net.XMLDesc(0))
            except libvirt.libvirtError:
                continue   # undefined meanwhile
            for ip in root.iterfind('ip'):
                if ip.get('address') and ':' not in ip.get('address'):
                    nets.append(ipaddress.ip_network('%s/%s' % (
                        ip.get('address'),
                        ip.get('prefix') or ip.get('netmask') or 24),
                        strict=False))
    finally:
        conn.close()
    return nets


def taken(uri='qemu:///system'):
    return _routed() + _libvirt_held(uri)


def free_cidr(preferred, uri='qemu:///system', exclude=(), tries=64):
    """``preferred`` (a /24 such as '10.0.199.0/24') when nothing holds or
    overlaps it, else the next free /24 after it (third octet counting up,
    wrapping within its /16). ``exclude``: ranges this caller already
    handed out."""
    start = ipaddress.ip_network(preferred)
    held = taken(uri) + [ipaddress.ip_network(c) for c in exclude]
    base = int(start.network_address) & 0xFFFF0000
    third = (int(start.network_address) >> 8) & 0xFF
    for step in range(tries):
        candidate = ipaddress.ip_network((base | (((third + step) % 256)
                                                  << 8), 24))
        if not any(candidate.overlaps(net) for net in held):
            return str(candidate)
    raise RuntimeError('no free /24 in %s/16 near %s: held %s' % (
        ipaddress.ip_address(base), preferred,
        ', '.join(sorted(set(map(str, held))))))
