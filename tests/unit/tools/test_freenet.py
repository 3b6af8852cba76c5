"""tools.freenet: a test cloud's range is one nothing on the host holds, so
a network an earlier, killed run left on the shared libvirtd (running or
only defined) cannot make libvirt refuse the new bridge."""

import libvirt
import pytest

from novalite.tools import freenet

URI = 'test:///default'


@pytest.fixture(autouse=True)
def no_host_routes(tmp_path, monkeypatch):
    """The host's own routing table is not the test's: a CI machine may
    route 10.0.199.0/24 to a leftover bridge (which is why freenet exists).
    Tests that want routes write their own."""
    routes = tmp_path / 'no-routes'
    routes.write_text(
        'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n')
    monkeypatch.setattr(freenet, 'ROUTES', str(routes))


@pytest.fixture
def held_network():
    conn = libvirt.open(URI)
    net = conn.networkDefineXML(
        "<network><name>novalite-leftover</name>"
        "<bridge name='nlbrleftover'/>"
        "<ip address='10.0.199.1' prefix='24'/></network>")
    yield
    net.undefine()
    conn.close()


def test_preferred_range_when_free():
    assert freenet.free_cidr('10.0.199.0/24', uri=URI) == '10.0.199.0/24'


def test_range_of_a_leftover_defined_network_is_skipped(held_network):
    assert freenet.free_cidr('10.0.199.0/24', uri=URI) == '10.0.200.0/24'


def test_excluded_ranges_are_skipped(held_network):
    assert freenet.free_cidr('10.0.199.0/24', uri=URI,
                             exclude=['10.0.200.0/24']) == '10.0.201.0/24'


def test_routed_range_is_skipped(tmp_path, monkeypatch):
    routes = tmp_path / 'route'   # replaces no_host_routes' empty table
    # 10.77.0.0/24 on a bridge, as the kernel prints it (little endian).
    routes.write_text(
        'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n'
        'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n'
        'nlbrx\t00004D0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n')
    monkeypatch.setattr(freenet, 'ROUTES', str(routes))
    assert freenet.free_cidr('10.77.0.0/24', uri=URI) == '10.77.1.0/24'


def test_wraps_within_its_16_and_gives_up_clearly(held_network):
    assert freenet.free_cidr('10.0.255.0/24', uri=URI) == '10.0.255.0/24'
    with pytest.raises(RuntimeError, match='no free /24'):
        freenet.free_cidr('10.0.199.0/24', uri=URI, tries=1)
