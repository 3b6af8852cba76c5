"""novalite networks as libvirt networks on this host.

Each novalite network with a port on this host is a libvirt network named
``novalite-<network uuid>`` on bridge ``nlbr<10 hex>``: isolated (no
``<forward>``: libvirt lets nothing out of it), the host holding the
subnet's gateway address, and libvirt's dnsmasq answering DHCP only for the
ports' MACs with exactly their fixed IPs (static host entries, no dynamic
range, no DNS service). Ports come and go with ``networkUpdate``; when the
last port on a host goes, the network is destroyed and undefined there,
so nothing is left on an idle host. Networks are persistent and autostart,
so a host restart brings them back, and ``init_host`` starts any that is
defined but down.
"""

import ipaddress
import threading
import xml.etree.ElementTree as ET

import libvirt
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

NAME_PREFIX = 'novalite-'
DNSMASQ_NS = 'http://libvirt.org/schemas/network/dnsmasq/1.0'
ET.register_namespace('dnsmasq', DNSMASQ_NS)
_BOTH = (libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE |
         libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG)


def network_name(network_uuid):
    return NAME_PREFIX + network_uuid


def bridge_name(network_uuid):
    # Interface names hold 15 characters.
    return 'nlbr' + network_uuid.replace('-', '')[:10]


def tap_name(port_uuid):
    # Nova's and Neutron's: "tap" + the port id's first 11 characters.
    return ('tap' + port_uuid)[:14]


def _host_address(subnet):
    """The address the host takes on the bridge: the subnet's gateway, or
    its first host address when it has none."""
    net = ipaddress.ip_network(subnet['cidr'], strict=False)
    if subnet.get('gateway_ip'):
        return subnet['gateway_ip'], net.prefixlen
    return str(next(net.hosts())), net.prefixlen


def dhcp_host_xml(port):
    return ET.tostring(ET.Element('host', mac=port['mac_address'],
                                  ip=port['address']), encoding='unicode')


def network_xml(port):
    """The libvirt network for ``port``'s network (its subnet decides the
    address; a port without a subnet gets a bridge without DHCP)."""
    root = ET.Element('network')
    ET.SubElement(root, 'name').text = network_name(port['network_id'])
    ET.SubElement(root, 'bridge', name=bridge_name(port['network_id']),
                  stp='off', delay='0')
    ET.SubElement(root, 'mtu', size=str(port.get('mtu') or 1500))
    # No DNS service: the guests' names are not served and no query is
    # forwarded off the host.
    ET.SubElement(root, 'dns', enable='no')
    subnet = port.get('subnet')
    if subnet and subnet.get('ip_version', 4) == 4:
        address, prefix = _host_address(subnet)
        ip = ET.SubElement(root, 'ip', address=address, prefix=str(prefix))
        if subnet.get('enable_dhcp', True) and port.get('address'):
            dhcp = ET.SubElement(ip, 'dhcp')
            dhcp.append(ET.fromstring(dhcp_host_xml(port)))
        servers = subnet.get('dns_nameservers') or []
        if servers:
            opts = ET.SubElement(root, '{%s}options' % DNSMASQ_NS)
            ET.SubElement(opts, '{%s}option' % DNSMASQ_NS,
                          value='dhcp-option=6,' + ','.join(servers))
    return ET.tostring(root, encoding='unicode')


def _is_missing(exc):
    return exc.get_error_code() == libvirt.VIR_ERR_NO_NETWORK


class Networks:
    """Plugs and unplugs ports on one host's libvirt networks."""

    def __init__(self, host):
        self.host = host
        self._locks = {}
        self._locks_guard = threading.Lock()
        # {network name: {mac}} plugged for a domain not defined yet: a
        # concurrent unplug finds no domain on the network and would
        # otherwise remove it under the build.
        self._pending = {}

    def _lock(self, name):
        with self._locks_guard:
            return self._locks.setdefault(name, threading.Lock())

    def _lookup(self, conn, name):
        try:
            return conn.networkLookupByName(name)
        except libvirt.libvirtError as exc:
            if _is_missing(exc):
                return None
            raise

    def plug(self, port):
        """Make sure ``port``'s network runs here and serves its address."""
        name = network_name(port['network_id'])
        conn = self.host.get_connection()
        with self._lock(name):
            self._pending.setdefault(name, set()).add(port['mac_address'])
            net = self._lookup(conn, name)
            if net is None:
                net = conn.networkDefineXML(network_xml(port))
                LOG.info('defined network %s on bridge %s', name,
                         bridge_name(port['network_id']))
                self._start(net)
                return
            self._start(net)
            if port.get('address') and self._serves_dhcp(net):
                self._set_dhcp_host(net, port)

    def settle(self, port):
        """``port``'s domain is defined (or its build gave up): its NIC
        now keeps the network, no longer the pending plug."""
        name = network_name(port['network_id'])
        with self._lock(name):
            macs = self._pending.get(name, set())
            macs.discard(port['mac_address'])
            if not macs:
                self._pending.pop(name, None)

    @staticmethod
    def _start(net):
        if not net.isActive():
            net.create()
        if not net.autostart():
            net.setAutostart(1)

    @staticmethod
    def _serves_dhcp(net):
        return ET.fromstring(net.XMLDesc(0)).find('./ip/dhcp') is not None

    def _set_dhcp_host(self, net, port):
        root = ET.fromstring(net.XMLDesc(0))
        for host in root.iterfind('./ip/dhcp/host'):
            if host.get('mac') == port['mac_address']:
                if host.get('ip') == port['address']:
                    return
                self._update(net, libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                             ET.tostring(host, encoding='unicode'))
        # An address left by a port gone without its unplug goes first.
        for host in root.iterfind('./ip/dhcp/host'):
            if (host.get('ip') == port['address'] and
                    host.get('mac') != port['mac_address']):
                self._update(net, libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                             ET.tostring(host, encoding='unicode'))
        self._update(net, libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                     dhcp_host_xml(port))

    @staticmethod
    def _update(net, command, xml):
        net.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
                   xml, _BOTH)

    def unplug(self, network_uuid, mac_address):
        """Drop the DHCP entry of ``mac_address``; remove the network when
        no port of this host is left on it."""
        name = network_name(network_uuid)
        conn = self.host.get_connection()
        with self._lock(name):
            net = self._lookup(conn, name)
            if net is None:
                return
            root = ET.fromstring(net.XMLDesc(0))
            hosts = root.findall('./ip/dhcp/host')
            for host in hosts:
                if host.get('mac') == mac_address:
                    self._update(net,
                                 libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                                 ET.tostring(host, encoding='unicode'))
            left = [h for h in hosts if h.get('mac') != mac_address]
            if (not left and not self._pending.get(name)
                    and not self._in_use(conn, name)):
                self._remove(net, name)

    def _in_use(self, conn, name):
        return name in self._used_names(conn)

    @staticmethod
    def _used_names(conn):
        """Names of the networks a domain defined here has a NIC on."""
        used = set()
        for dom in conn.listAllDomains(0):
            try:
                root = ET.fromstring(dom.XMLDesc(0))
            except libvirt.libvirtError:
                continue   # undefined meanwhile
            for src in root.iterfind('./devices/interface/source'):
                used.add(src.get('network'))
        return used

    @staticmethod
    def _remove(net, name):
        try:
            if net.isActive():
                net.destroy()
            net.undefine()
            LOG.info('removed network %s: no port of this host is on it',
                     name)
        except libvirt.libvirtError as exc:
            if not _is_missing(exc):
                raise

    def start_all(self):
        """Start the novalite networks that a guest defined here is on and
        that are down (after a host or libvirtd restart).

        Only those: one libvirtd may hold networks of other clouds (a test
        cloud, a second deployment) whose subnets overlap, and starting
        one of them would fail or steal an address. A network that cannot
        start is logged, not fatal: the agent must come up to report and
        to reconcile its other guests."""
        conn = self.host.get_connection()
        used = self._used_names(conn)
        for net in conn.listAllNetworks(0):
            name = net.name()
            if (not name.startswith(NAME_PREFIX) or name not in used
                    or net.isActive()):
                continue
            LOG.info('starting network %s', name)
            try:
                net.create()
            except libvirt.libvirtError as exc:
                LOG.error('cannot start network %s: %s', name, exc)

    def names(self):
        conn = self.host.get_connection()
        return [n.name() for n in conn.listAllNetworks(0)
                if n.name().startswith(NAME_PREFIX)]

    def describe(self):
        """{network uuid: {bridge, dhcp_hosts: [[mac, ip]]}} of the
        novalite networks defined here (``novalite-manage audit``)."""
        conn = self.host.get_connection()
        out = {}
        for net in conn.listAllNetworks(0):
            if not net.name().startswith(NAME_PREFIX):
                continue
            try:
                root = ET.fromstring(net.XMLDesc(0))
            except libvirt.libvirtError as exc:
                if _is_missing(exc):
                    continue
                raise
            bridge = root.find('bridge')
            out[net.name()[len(NAME_PREFIX):]] = {
                'bridge': None if bridge is None else bridge.get('name'),
                'dhcp_hosts': sorted([h.get('mac'), h.get('ip')] for h in
                                     root.iterfind('./ip/dhcp/host'))}
        return out
