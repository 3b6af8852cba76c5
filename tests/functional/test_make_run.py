"""`make run` (tools/devrun.py start) against a real disposable cloud: API,
conductor, scheduler and one compute agent as processes over RabbitMQ, on
libvirt's test:///default.

``start`` is driven as `make run` runs it, with the disposable cloud in
place of the one devrun would configure (devrun._cloud) and clouds.yaml in
the test's directory. On test:///default it must boot a plain demo server
and never try to log in. Its log-in path (what it does on a real
hypervisor: the `demo` keypair and key file, the `demo-ssh` group, a
server booted with both and a config drive, SSH from the host) runs with
only what needs real QEMU replaced: the guest image (built from Debian
packages) by the small blank image, the console marker (the test driver
has no console) by a fixed line, and `ssh` by a stand-in on PATH that
records its command line and answers as the guest would."""

import ipaddress
import json
import os
import re
import subprocess
import sys

import openstack
import pytest

from novalite.common import rpc
from novalite.tools import demo_login
from novalite.tools import devrun
from novalite.tools import localcloud

UNAME = 'Linux demo 6.1.0-28-cloud-amd64 #1 SMP x86_64 GNU/Linux'


@pytest.fixture(scope='module')
def run_cloud(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('cloud-make-run'))
    with localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-makerun',
            compute_hosts=('compute1',), on_teardown=rpc.cleanup) as local:
        yield local


@pytest.fixture
def conn(run_cloud):
    """A client on the cloud, with no demo server, keypair, group or key
    file left by another test."""
    conn = openstack.connect(**run_cloud.cloud_config())
    for server in conn.compute.servers(name='^%s$' % devrun.DEMO_SERVER):
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60, interval=0.2)
    keypair = conn.compute.find_keypair(demo_login.KEYPAIR)
    if keypair is not None:
        conn.compute.delete_keypair(keypair)
    group = conn.network.find_security_group(demo_login.GROUP)
    if group is not None:
        conn.network.delete_security_group(group)
    key = demo_login.key_path(run_cloud.state_dir)
    if os.path.exists(key):
        os.unlink(key)
    yield conn
    conn.close()


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    """`ssh` first on PATH: records each argv (a JSON line) and prints the
    guest's `uname -a` and hostname."""
    bindir, log = tmp_path / 'bin', tmp_path / 'ssh.log'
    bindir.mkdir()
    script = bindir / 'ssh'
    script.write_text(
        '#!%s\nimport json, sys\n'
        'with open(%r, "a") as out:\n'
        '    out.write(json.dumps(sys.argv[1:]) + "\\n")\n'
        'print(%r)\nprint("demo")\n' % (sys.executable, str(log), UNAME))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s%s%s' % (bindir, os.pathsep,
                                           os.environ['PATH']))

    def calls():
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]
    return calls


@pytest.fixture
def make_run(run_cloud, tmp_path, monkeypatch, capsys):
    """``make_run()`` runs devrun.start on the disposable cloud and returns
    what it printed."""
    clouds_yaml = str(tmp_path / 'clouds.yaml')
    monkeypatch.setattr(devrun, 'CLOUDS_YAML', clouds_yaml)
    monkeypatch.setattr(devrun, '_cloud', lambda state, auth=None: run_cloud)

    def run():
        capsys.readouterr()
        devrun.start(run_cloud.state_dir)
        return capsys.readouterr().out
    run.clouds_yaml = clouds_yaml
    return run


@pytest.fixture
def real_hypervisor(monkeypatch):
    """devrun.start takes its real-hypervisor path on test:///default."""
    monkeypatch.setattr(devrun, '_real', lambda uri: True)
    monkeypatch.setattr(devrun, '_ensure_guest_image', devrun._ensure_image)
    marker = 'NOVALITE-GUEST-UP uptime=1.23'
    monkeypatch.setattr(devrun, '_marker',
                        lambda conn, server, timeout=120: marker)


def _demo_servers(conn):
    return list(conn.compute.servers(details=True,
                                     name='^%s$' % devrun.DEMO_SERVER))


def _raw_server(conn, server_id):
    return conn.compute.get('/servers/%s' % server_id).json()['server']


def _private_cidr(conn):
    (net,) = [n for n in conn.network.networks() if n.name == 'private']
    (subnet,) = list(conn.network.subnets(network_id=net.id))
    return subnet.cidr


def _in_cidr(address, cidr):
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


def _ingress_rules(conn, group):
    return sorted(
        (r.direction, r.ether_type, r.protocol, r.port_range_min,
         r.port_range_max, r.remote_ip_prefix)
        for r in conn.network.security_group_rules(
            security_group_id=group.id) if r.direction == 'ingress')


def test_test_driver_boots_the_demo_and_does_not_log_in(
        run_cloud, conn, make_run, fake_ssh, monkeypatch):
    """LIBVIRT_URI=test:///default make run: the demo server ACTIVE on
    `private` from the blank image, no keypair, group or SSH; clouds.yaml
    names the cloud; a second run reuses everything."""
    def no_login(*args, **kwargs):
        raise AssertionError('make run on test:///default tried to log in')
    monkeypatch.setattr(devrun, '_log_in', no_login)
    monkeypatch.setattr(devrun, '_marker', no_login)

    out = make_run()
    (server,) = _demo_servers(conn)
    assert server.status == 'ACTIVE'
    assert server.compute_host == 'compute1'
    assert list(server.addresses) == ['private']
    assert conn.image.get_image(server.image.id).name == devrun.DEMO_IMAGE
    assert server.flavor.name == 'm1.nano'
    assert server.key_name is None
    assert conn.compute.find_keypair(demo_login.KEYPAIR) is None
    assert conn.network.find_security_group(demo_login.GROUP) is None
    assert not os.path.exists(demo_login.key_path(run_cloud.state_dir))
    assert fake_ssh() == []
    assert 'server demo (%s) is ACTIVE on host compute1' % server.id in out
    assert 'The cloud is up' in out
    assert 'over SSH' not in out and 'log in with' not in out
    with open(make_run.clouds_yaml) as src:
        entry = json.load(src)['clouds']['novalite']
    assert entry['compute_endpoint_override'].startswith(
        run_cloud.endpoint)

    make_run()
    (again,) = _demo_servers(conn)
    assert again.id == server.id
    assert len(list(conn.image.images(name=devrun.DEMO_IMAGE))) == 1
    assert fake_ssh() == []


def test_login_path_keypair_group_config_drive_and_ssh(
        run_cloud, conn, make_run, fake_ssh, real_hypervisor):
    """What `make run` does on a real hypervisor, up to the SSH client."""
    state = run_cloud.state_dir
    out = make_run()

    # The keypair and its private key, mode 0600, matching each other.
    key = demo_login.key_path(state)
    keypair = conn.compute.find_keypair(demo_login.KEYPAIR)
    assert keypair is not None
    assert os.stat(key).st_mode & 0o777 == 0o600
    derived = subprocess.run(['ssh-keygen', '-y', '-f', key], check=True,
                             capture_output=True, text=True).stdout.split()
    assert derived[:2] == keypair.public_key.split()[:2]

    # demo-ssh: SSH and ping in from anywhere, nothing else in.
    group = conn.network.find_security_group(demo_login.GROUP)
    assert group is not None
    assert _ingress_rules(conn, group) == [
        ('ingress', 'IPv4', 'icmp', None, None, '0.0.0.0/0'),
        ('ingress', 'IPv4', 'tcp', 22, 22, '0.0.0.0/0')]

    # The server: ACTIVE, with the key, both groups, a config drive, on
    # private.
    (server,) = _demo_servers(conn)
    raw = _raw_server(conn, server.id)
    assert server.status == 'ACTIVE'
    assert server.key_name == demo_login.KEYPAIR
    assert sorted(g['name'] for g in raw['security_groups']) == [
        'default', demo_login.GROUP]
    assert raw['config_drive'] in (True, 'True')
    assert server.flavor.name == devrun.GUEST_FLAVOR
    assert list(server.addresses) == ['private']
    ((address,),) = [[a['addr'] for a in nets]
                     for nets in server.addresses.values()]
    assert _in_cidr(address, _private_cidr(conn))

    # SSH from the host to that address as root with that key; the guest's
    # answer and the login command printed.
    (argv,) = fake_ssh()
    assert ['ssh'] + argv == demo_login.ssh_command(key, address) + [
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
        'uname -a; hostname']
    assert 'console (test:///default, QEMU TCG): NOVALITE-GUEST-UP' in out
    assert re.search(r'over SSH \([0-9.]+s\): %s\n  hostname: demo\n'
                     % re.escape(UNAME), out), out
    assert 'log in with: ssh -i %s ' % key in out
    assert out.split('log in with: ')[1].split('\n')[0] == ' '.join(
        demo_login.ssh_command(key, address))

    # Again: the same server, keypair, key file and group (no duplicates),
    # and it logs in again.
    with open(key) as src:
        private_key = src.read()
    rule_ids = sorted(r.id for r in conn.network.security_group_rules(
        security_group_id=group.id))
    make_run()
    (again,) = _demo_servers(conn)
    assert again.id == server.id
    assert [k.name for k in conn.compute.keypairs()] == [demo_login.KEYPAIR]
    assert conn.compute.find_keypair(
        demo_login.KEYPAIR).fingerprint == keypair.fingerprint
    with open(key) as src:
        assert src.read() == private_key
    assert [g.id for g in conn.network.security_groups()
            if g.name == demo_login.GROUP] == [group.id]
    assert sorted(r.id for r in conn.network.security_group_rules(
        security_group_id=group.id)) == rule_ids
    assert len(fake_ssh()) == 2


def test_login_path_replaces_a_test_driver_demo(
        run_cloud, conn, make_run, fake_ssh, real_hypervisor):
    """A demo server from an earlier keyless run is replaced by one that
    can be logged into, not kept."""
    image = devrun._ensure_image(conn, run_cloud.state_dir)
    old = devrun._ensure_server(conn, image, login=False)
    assert old.key_name is None
    make_run()
    (server,) = _demo_servers(conn)
    assert server.id != old.id
    assert server.key_name == demo_login.KEYPAIR
    assert len(fake_ssh()) == 1


def test_keypair_recreated_when_its_key_file_is_lost(conn, run_cloud):
    """Key file gone: a new keypair whose key is written; keypair gone but
    a stale file (mode 0644) left: the file is replaced, mode 0600."""
    state = run_cloud.state_dir
    key = demo_login.key_path(state)
    assert demo_login.ensure_keypair(conn, state) == key
    first = conn.compute.find_keypair(demo_login.KEYPAIR)

    os.unlink(key)
    demo_login.ensure_keypair(conn, state)
    second = conn.compute.find_keypair(demo_login.KEYPAIR)
    assert second.fingerprint != first.fingerprint
    assert _public(key) == second.public_key.split()[:2]

    conn.compute.delete_keypair(second)
    os.chmod(key, 0o644)
    demo_login.ensure_keypair(conn, state)
    third = conn.compute.find_keypair(demo_login.KEYPAIR)
    assert third.fingerprint not in (first.fingerprint, second.fingerprint)
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert _public(key) == third.public_key.split()[:2]
    assert [k.name for k in conn.compute.keypairs()] == [demo_login.KEYPAIR]


def _public(key):
    return subprocess.run(['ssh-keygen', '-y', '-f', key], check=True,
                          capture_output=True, text=True).stdout.split()[:2]


def test_a_lost_key_file_replaces_the_server_booted_with_the_old_key(
        run_cloud, conn, make_run, fake_ssh, real_hypervisor):
    """The key file is lost between two runs: the new keypair cannot log
    into a server booted with the old public key, so that server is
    replaced, not reused (it records the keypair's fingerprint)."""
    make_run()
    (first,) = _demo_servers(conn)
    os.unlink(demo_login.key_path(run_cloud.state_dir))
    make_run()
    (second,) = _demo_servers(conn)
    assert second.id != first.id
    keypair = conn.compute.find_keypair(demo_login.KEYPAIR)
    assert second.metadata['demo-key'] == keypair.fingerprint
