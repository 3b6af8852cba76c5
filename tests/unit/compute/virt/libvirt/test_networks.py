"""Ports plugged into libvirt networks, against libvirt's test hypervisor:
the NIC in the domain, the network and its static DHCP entries, and what
is left after delete."""

import xml.etree.ElementTree as ET

from novalite.compute.virt.libvirt import firewall
from novalite.compute.virt.libvirt import networks as vnetworks
from novalite.tests.unit.compute import fakes

NET = '3f6c1b7e-52a4-4c1e-9d8e-0a1b2c3d4e5f'
SUBNET = {'id': 'sub-1', 'cidr': '10.20.0.0/24', 'gateway_ip': '10.20.0.1',
          'dns_nameservers': [], 'ip_version': 4, 'enable_dhcp': True}
GROUP = {'id': '9b0d9a8e-1111-4222-8333-944455556666', 'rules': [
    {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
     'port_range_min': 22, 'port_range_max': 22,
     'remote_ip_prefix': '0.0.0.0/0', 'remote_group_id': None}]}


def _port(n, **kw):
    port = {'id': 'a%07d-0000-4000-8000-000000000000' % n,
            'network_id': NET, 'network_name': 'private',
            'address': '10.20.0.%d' % (10 + n),
            'mac_address': 'fa:16:3e:00:00:%02x' % n, 'mtu': 1500,
            'subnet': dict(SUBNET), 'security_groups': [GROUP]}
    port.update(kw)
    return port


def _net(driver):
    conn = driver.host.get_connection()
    return ET.fromstring(conn.networkLookupByName(
        vnetworks.network_name(NET)).XMLDesc(0))


def _dhcp(driver):
    return {(h.get('mac'), h.get('ip'))
            for h in _net(driver).iterfind('./ip/dhcp/host')}


def test_nic_carries_the_ports_mac_tap_and_filter(driver):
    inst = fakes.make_instance(id=11)
    port = _port(1)
    driver.spawn(inst, None, [port])
    root = ET.fromstring(driver.host.lookup(inst['uuid']).XMLDesc(0))
    (iface,) = root.findall('devices/interface')
    assert iface.get('type') == 'network'
    assert iface.find('source').get('network') == 'novalite-' + NET
    assert iface.find('mac').get('address') == port['mac_address']
    assert iface.find('model').get('type') == 'virtio'
    assert iface.find('target').get('dev') == 'tapa0000001-00'
    ref = iface.find('filterref')
    assert ref.get('filter') == 'novalite-port-' + port['id']
    assert ref.find('parameter').attrib == {'name': 'IP',
                                            'value': '10.20.0.11'}


def test_network_is_isolated_with_static_dhcp_for_each_port(driver):
    a, b = fakes.make_instance(id=1), fakes.make_instance(id=2)
    driver.spawn(a, None, [_port(1)])
    driver.spawn(b, None, [_port(2)])
    net = _net(driver)
    assert net.find('forward') is None           # isolated: no way out
    assert net.find('bridge').get('name') == 'nlbr3f6c1b7e52'
    assert net.find('dns').get('enable') == 'no'
    ip = net.find('ip')
    assert (ip.get('address'), ip.get('prefix')) == ('10.20.0.1', '24')
    assert ip.find('dhcp/range') is None         # only known MACs
    assert _dhcp(driver) == {('fa:16:3e:00:00:01', '10.20.0.11'),
                             ('fa:16:3e:00:00:02', '10.20.0.12')}
    conn = driver.host.get_connection()
    netobj = conn.networkLookupByName('novalite-' + NET)
    assert netobj.isActive() and netobj.autostart()


def test_delete_drops_the_dhcp_entry_and_the_last_removes_the_network(
        driver):
    a, b = fakes.make_instance(id=1), fakes.make_instance(id=2)
    driver.spawn(a, None, [_port(1)])
    driver.spawn(b, None, [_port(2)])
    driver.destroy(a)
    assert _dhcp(driver) == {('fa:16:3e:00:00:02', '10.20.0.12')}
    driver.destroy(b)
    assert driver.networks.names() == []


def test_reused_address_replaces_a_stale_entry(driver):
    inst = fakes.make_instance(id=1)
    driver.spawn(inst, None, [_port(1)])
    other = fakes.make_instance(id=2)
    # Same address, new MAC: a port deleted without its unplug before.
    driver.spawn(other, None, [_port(2, address='10.20.0.11')])
    assert _dhcp(driver) == {('fa:16:3e:00:00:02', '10.20.0.11')}


def test_init_host_starts_networks_left_down(driver):
    driver.spawn(fakes.make_instance(id=1), None, [_port(1)])
    net = driver.host.get_connection().networkLookupByName('novalite-' + NET)
    net.destroy()
    driver.init_host()
    assert net.isActive()


FOREIGN = """<network><name>novalite-%s</name><bridge name='nlbr%s'/>
<ip address='10.20.0.1' prefix='24'/></network>"""


def test_init_host_leaves_networks_no_guest_uses_down(driver):
    """Another cloud's network on the same libvirtd, on our range: starting
    it would collide with ours (libvirt: "Network is already in use")."""
    conn = driver.host.get_connection()
    foreign = conn.networkDefineXML(FOREIGN % ('f' * 8, 'f' * 10))
    driver.init_host()
    assert not foreign.isActive()


def test_a_network_that_cannot_start_does_not_stop_the_agent(
        driver, monkeypatch):
    import libvirt
    for n in (1, 2):
        driver.spawn(fakes.make_instance(id=n), None, [_port(
            n, network_id='%08d-0000-4000-8000-000000000000' % n)])
    conn = driver.host.get_connection()
    nets = [conn.networkLookupByName(
        'novalite-%08d-0000-4000-8000-000000000000' % n) for n in (1, 2)]
    for net in nets:
        net.destroy()
    real = libvirt.virNetwork.create

    def create(net):
        if net.name() == nets[0].name():
            raise libvirt.libvirtError(
                'internal error: Network is already in use by interface x')
        return real(net)
    monkeypatch.setattr(libvirt.virNetwork, 'create', create)
    driver.init_host()
    assert not nets[0].isActive() and nets[1].isActive()


def test_dns_servers_of_the_subnet_are_handed_out():
    port = _port(1, subnet=dict(SUBNET, dns_nameservers=['10.20.0.53']))
    root = ET.fromstring(vnetworks.network_xml(port))
    (opt,) = root.iter('{%s}option' % vnetworks.DNSMASQ_NS)
    assert opt.get('value') == 'dhcp-option=6,10.20.0.53'


def test_port_filter_guards_spoofing_passes_dhcp_and_drops_the_rest():
    root = ET.fromstring(firewall.port_filter_xml(_port(1)))
    refs = [r.get('filter') for r in root.iter('filterref')]
    assert refs == ['clean-traffic', 'novalite-sg-' + GROUP['id']]
    drops = [r for r in root.iter('rule') if r.get('action') == 'drop']
    assert {r[0].tag for r in drops} == {'all', 'all-ipv6'}
    assert all(int(r.get('priority')) > firewall.ACCEPT_PRIORITY
               for r in drops)
    dhcp = [r.find('udp').attrib for r in root.iter('rule')
            if r.find('udp') is not None]
    assert {'srcportstart': '68', 'dstportstart': '67'} in dhcp


def test_group_rules_become_accepts():
    rules = [
        GROUP['rules'][0],
        {'direction': 'egress', 'ethertype': 'IPv4', 'protocol': None},
        {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'icmp',
         'remote_group_id': 'g', 'remote_ips': ['10.20.0.11', '10.20.0.12']},
        {'direction': 'ingress', 'ethertype': 'IPv6', 'protocol': None,
         'remote_group_id': 'g', 'remote_ips': ['10.20.0.11']},
        {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'gre'},
    ]
    root = ET.fromstring(firewall.group_filter_xml('g1', rules))
    assert root.get('name') == 'novalite-sg-g1'
    got = [(r.get('direction'), r[0].tag, dict(r[0].attrib))
           for r in root.iter('rule')]
    assert got == [
        ('in', 'tcp', {'srcipaddr': '0.0.0.0', 'srcipmask': '0',
                       'dstportstart': '22', 'dstportend': '22'}),
        ('out', 'all', {}),
        ('in', 'icmp', {'srcipaddr': '10.20.0.11'}),
        ('in', 'icmp', {'srcipaddr': '10.20.0.12'}),
        # no IPv6 member, and nwfilter has no GRE element: nothing
    ]
    assert all(r.get('action') == 'accept' for r in root.iter('rule'))


def test_a_guest_that_fails_to_define_leaves_no_dhcp_entry(driver,
                                                          monkeypatch):
    import libvirt
    import pytest
    conn = driver.host.get_connection()

    def refuse(xml):
        raise libvirt.libvirtError('refused')
    monkeypatch.setattr(conn, 'defineXML', refuse)
    with pytest.raises(libvirt.libvirtError):
        driver.spawn(fakes.make_instance(id=1), None, [_port(1)])
    assert driver.networks.names() == []


def test_delete_meanwhile_does_not_remove_the_network_under_a_build(
        driver, monkeypatch):
    """A build has plugged its port but not defined its domain yet when
    the network's last guest is deleted: on a network without DHCP no
    entry shows the pending port, and the network must stay."""
    no_dhcp = {'subnet': dict(SUBNET, enable_dhcp=False)}
    first = fakes.make_instance(id=1)
    driver.spawn(first, None, [_port(1, **no_dhcp)])
    conn = driver.host.get_connection()
    define = conn.defineXML

    def delete_first_then_define(xml):
        driver.destroy(first)
        return define(xml)
    monkeypatch.setattr(conn, 'defineXML', delete_first_then_define)
    second = fakes.make_instance(id=2)
    driver.spawn(second, None, [_port(2, **no_dhcp)])
    assert driver.networks.names() == ['novalite-' + NET]
    assert conn.networkLookupByName('novalite-' + NET).isActive()
    monkeypatch.undo()
    driver.destroy(second)
    assert driver.networks.names() == []
