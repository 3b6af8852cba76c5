"""Security groups as libvirt nwfilters.

One filter per security group (``novalite-sg-<group uuid>``) holds the
group's rules as accepts; one filter per port (``novalite-port-<port
uuid>``) references libvirt's ``clean-traffic`` (no MAC, IP or ARP
spoofing: the port's fixed IP is passed as ``IP`` on the interface), lets
DHCP through, references its groups' filters and drops everything else.
Accepts match connection state as libvirt does by default, so replies to
an allowed connection pass in the other direction.

Redefining a group's filter re-applies it at once to every running guest
that references it: that is how rule and membership changes reach
running servers. libvirt's test driver has no nwfilter support; there the
filters are rendered but not defined.
"""

import threading
import xml.etree.ElementTree as ET

import libvirt
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

GROUP_PREFIX = 'novalite-sg-'
PORT_PREFIX = 'novalite-port-'
# Accepts sort before the final drops (lower priority runs first).
ACCEPT_PRIORITY = 500
DROP_PRIORITY = 1000

_PROTOCOLS = {'tcp': 'tcp', 'udp': 'udp', 'icmp': 'icmp', '6': 'tcp',
              '17': 'udp', '1': 'icmp', 'sctp': 'sctp', '132': 'sctp',
              'ipv6-icmp': 'icmp', 'icmpv6': 'icmp', '58': 'icmp'}


def group_filter_name(group_uuid):
    return GROUP_PREFIX + group_uuid


def port_filter_name(port_uuid):
    return PORT_PREFIX + port_uuid


def _element(rule, ethertype):
    """The protocol element name of ``rule`` for nwfilter, or None for a
    protocol nwfilter cannot match (the rule is then left out)."""
    proto = rule.get('protocol')
    name = 'all' if proto in (None, '', 'any') else _PROTOCOLS.get(
        str(proto).lower())
    if name is None:
        return None
    if ethertype == 'IPv6':
        return {'all': 'all-ipv6', 'icmp': 'icmpv6'}.get(
            name, name + '-ipv6')
    return name


def _remotes(rule, ethertype):
    """The remote prefixes a rule allows; [None] means any."""
    if rule.get('remote_ip_prefix'):
        return [rule['remote_ip_prefix']]
    if 'remote_ips' in rule:
        want_v6 = ethertype == 'IPv6'
        return [ip for ip in rule['remote_ips'] if (':' in ip) == want_v6]
    return [None]


def _rule_elements(rule):
    ethertype = rule.get('ethertype') or 'IPv4'
    elem_name = _element(rule, ethertype)
    if elem_name is None:
        return []
    # 'in' is traffic to the guest: its remote end is the packet source.
    ingress = rule.get('direction') == 'ingress'
    direction = 'in' if ingress else 'out'
    side = 'src' if ingress else 'dst'
    out = []
    for remote in _remotes(rule, ethertype):
        r = ET.Element('rule', action='accept', direction=direction,
                       priority=str(ACCEPT_PRIORITY))
        match = ET.SubElement(r, elem_name)
        if remote:
            addr, _, mask = remote.partition('/')
            match.set(side + 'ipaddr', addr)
            if mask:
                match.set(side + 'ipmask', mask)
        lo, hi = rule.get('port_range_min'), rule.get('port_range_max')
        if elem_name.startswith('icmp'):
            if lo is not None:
                match.set('type', str(lo))
            if hi is not None:
                match.set('code', str(hi))
        elif elem_name not in ('all', 'all-ipv6') and lo is not None:
            match.set('dstportstart', str(lo))
            match.set('dstportend', str(hi if hi is not None else lo))
        out.append(r)
    return out


def group_filter_xml(group_uuid, rules):
    root = ET.Element('filter', name=group_filter_name(group_uuid),
                      chain='root')
    for rule in rules:
        for elem in _rule_elements(rule):
            root.append(elem)
    return ET.tostring(root, encoding='unicode')


def port_filter_xml(port):
    root = ET.Element('filter', name=port_filter_name(port['id']),
                      chain='root')
    ET.SubElement(root, 'filterref', filter='clean-traffic')
    # DHCP always passes, whatever the groups say (as in Neutron).
    for direction, sport, dport in (('out', 68, 67), ('in', 67, 68)):
        r = ET.SubElement(root, 'rule', action='accept', direction=direction,
                          priority=str(ACCEPT_PRIORITY))
        ET.SubElement(r, 'udp', srcportstart=str(sport),
                      dstportstart=str(dport))
    for group in port.get('security_groups') or []:
        ET.SubElement(root, 'filterref',
                      filter=group_filter_name(group['id']))
    for elem in ('all', 'all-ipv6'):
        r = ET.SubElement(root, 'rule', action='drop', direction='inout',
                          priority=str(DROP_PRIORITY))
        ET.SubElement(r, elem)
    return ET.tostring(root, encoding='unicode')


def _no_filter(exc):
    return exc.get_error_code() == libvirt.VIR_ERR_NO_NWFILTER


def _define(conn, xml):
    """Define or redefine a filter: libvirt refuses a second definition
    of a name unless it carries the existing filter's uuid."""
    root = ET.fromstring(xml)
    try:
        existing = conn.nwfilterLookupByName(root.get('name'))
    except libvirt.libvirtError as exc:
        if not _no_filter(exc):
            raise
    else:
        uuid = ET.Element('uuid')
        uuid.text = existing.UUIDString()
        root.insert(0, uuid)
        xml = ET.tostring(root, encoding='unicode')
    return conn.nwfilterDefineXML(xml)


class Firewall:
    """Defines and removes the filters on one host's libvirt."""

    def __init__(self, host):
        self.host = host
        # Pruning unused group filters must not race a port being set up
        # with one of them.
        self._lock = threading.Lock()

    @property
    def supported(self):
        return not self.host.is_test_driver

    def setup_port(self, port):
        """Define the port's group filters and its own filter (before the
        domain that references it starts)."""
        if not self.supported:
            return
        conn = self.host.get_connection()
        with self._lock:
            for group in port.get('security_groups') or []:
                _define(conn, group_filter_xml(group['id'],
                                                        group['rules']))
            _define(conn, port_filter_xml(port))

    def remove_port(self, port_uuid):
        """Undefine the port's filter (after its domain is gone); group
        filters no port references any more go too."""
        if not self.supported:
            return
        conn = self.host.get_connection()
        with self._lock:
            self._undefine(conn, port_filter_name(port_uuid))
            self._prune_groups(conn)

    def refresh_groups(self, groups):
        """Redefine the given groups' filters that this host has
        (``{group uuid: [rule]}``); the running guests follow."""
        if not self.supported:
            return []
        conn = self.host.get_connection()
        have = set(conn.listNWFilters())
        done = []
        for group_uuid, rules in groups.items():
            if group_filter_name(group_uuid) in have:
                _define(conn, group_filter_xml(group_uuid, rules))
                done.append(group_uuid)
        return done

    def refresh_ports(self, ports):
        """Redefine the filters of these ports that this host has (their
        groups changed); returns their uuids."""
        if not self.supported or not ports:
            return []
        conn = self.host.get_connection()
        with self._lock:
            have = set(conn.listNWFilters())
            done = []
            for port in ports:
                if port_filter_name(port['id']) in have:
                    for group in port.get('security_groups') or []:
                        _define(conn, group_filter_xml(
                            group['id'], group['rules']))
                    _define(conn, port_filter_xml(port))
                    done.append(port['id'])
            self._prune_groups(conn)
        return done

    @staticmethod
    def _undefine(conn, name):
        try:
            conn.nwfilterLookupByName(name).undefine()
        except libvirt.libvirtError as exc:
            if _no_filter(exc):
                return
            # Still referenced (a guest being torn down meanwhile): it
            # goes with the next port removed.
            if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                raise
            LOG.debug('nwfilter %s still in use: %s', name, exc)

    def _prune_groups(self, conn):
        names = conn.listNWFilters()
        used = set()
        for name in names:
            if name.startswith(PORT_PREFIX):
                try:
                    xml = conn.nwfilterLookupByName(name).XMLDesc(0)
                except libvirt.libvirtError as exc:
                    if _no_filter(exc):
                        continue
                    raise
                used.update(ref.get('filter') for ref in
                            ET.fromstring(xml).iter('filterref'))
        for name in names:
            if name.startswith(GROUP_PREFIX) and name not in used:
                self._undefine(conn, name)
