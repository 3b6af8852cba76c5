"""The systemd units of etc/systemd as systemd would run them.

``systemd-analyze verify`` must print nothing for any unit; then each
unit's ExecStart command line (binary rewritten to the venv, config to a
disposable cloud's) runs with ``$NOTIFY_SOCKET`` bound to a socket this
test reads, as systemd's Type=notify does: READY=1 only once the service
answers (an RPC call, an HTTP request), RELOADING=1 then READY=1 on SIGHUP
with a changed mutable option applied, STOPPING=1 then exit 0 on SIGTERM.
"""

import configparser
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import oslo_messaging as messaging
import pytest
import requests

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.tests.functional import bare_cloud as bare
from novalite.tools import localcloud

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UNIT_DIR = os.path.join(ROOT, 'etc', 'systemd')
SERVICES = ('conductor', 'scheduler', 'compute', 'api')
SHIPPED_CONF = '/etc/novalite/novalite.conf'
# A method each RPC service exposes, and arguments it answers quickly.
PINGS = {
    'conductor': ('novalite-conductor', '1.3', None,
                  'instance_get_by_uuids', {'instance_uuids': []}),
    'scheduler': ('novalite-scheduler', '1.0', None, 'select_destinations',
                  {'request_spec': {}, 'instance_uuids': []}),
    # Refused by the ownership check: an answer without touching anything.
    'compute': ('novalite-compute', '1.1', 'sd-host', 'get_diagnostics',
                {'instance': {'uuid': str(uuid.uuid4()),
                              'host': 'elsewhere'}}),
}


class Unit(dict):
    """A unit file: {section: {key: value}}; a key given several times
    (After=, Wants=) has its values joined by spaces, as systemd lists."""

    def get(self, section, key, fallback=None):
        return self.get_section(section).get(key, fallback)

    def get_section(self, section):
        return dict.get(self, section) or {}


def read_unit(path):
    unit, section = Unit(), None
    with open(path) as src:
        for line in src:
            line = line.strip()
            if not line or line.startswith(('#', ';')):
                continue
            if line.startswith('['):
                section = unit.setdefault(line.strip('[]'), {})
                continue
            key, _, value = line.partition('=')
            old = section.get(key)
            section[key] = '%s %s' % (old, value) if old else value
    return unit


def unit_names():
    return sorted(f for f in os.listdir(UNIT_DIR)
                  if f.endswith(('.service', '.target')))


# -- static checks -------------------------------------------------------------
def _fake_root(tmp):
    """A root where the units' commands exist and systemd's own units are
    found: verify then judges the units themselves, not this machine."""
    for sub in ('etc/systemd/system', 'usr/lib/systemd', 'bin'):
        os.makedirs(os.path.join(tmp, sub), exist_ok=True)
    shutil.copytree('/lib/systemd/system',
                    os.path.join(tmp, 'usr/lib/systemd/system'),
                    symlinks=True)
    for name in unit_names():
        shutil.copy(os.path.join(UNIT_DIR, name),
                    os.path.join(tmp, 'etc/systemd/system', name))
        for key in ('ExecStart', 'ExecReload'):
            line = read_unit(os.path.join(UNIT_DIR, name)).get(
                'Service', key)
            if not line:
                continue
            binary = os.path.join(tmp, shlex.split(line)[0].lstrip('/'))
            os.makedirs(os.path.dirname(binary), exist_ok=True)
            with open(binary, 'w') as out:
                out.write('#!/bin/sh\n')
            os.chmod(binary, 0o755)


def test_systemd_analyze_verify_prints_nothing():
    analyze = shutil.which('systemd-analyze')
    assert analyze, ('systemd-analyze is missing: `make deps` installs the '
                     'systemd package')
    assert len(unit_names()) == 5, unit_names()
    with tempfile.TemporaryDirectory() as tmp:
        _fake_root(tmp)
        units = [os.path.join(tmp, 'etc/systemd/system', n)
                 for n in unit_names()]
        proc = subprocess.run([analyze, 'verify', '--root=' + tmp, *units],
                              capture_output=True, text=True, cwd=tmp,
                              timeout=60)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr), (
        proc.stdout + proc.stderr)


@pytest.mark.parametrize('service', SERVICES)
def test_unit_runs_under_systemds_rules(service):
    unit = read_unit(os.path.join(UNIT_DIR, 'novalite-%s.service' % service))
    svc = unit['Service']
    assert svc['Type'] == 'notify'
    assert svc['Restart'] == 'on-failure'
    assert svc['ExecReload'] == '/bin/kill -HUP $MAINPID'
    assert svc['User'] == 'novalite'
    # Longer than the drain: the compute agent's clean guest shutdown.
    assert int(svc['TimeoutStopSec']) > (60 if service != 'compute' else 90)
    assert svc['NoNewPrivileges'] == 'true'
    assert svc['ProtectSystem'] == 'full'
    assert '/var/lib/novalite' in svc['ReadWritePaths'].split()
    after = unit.get('Unit', 'After').split()
    assert {'network-online.target', 'rabbitmq-server.service',
            'mariadb.service', 'postgresql.service'} <= set(after)
    wants = unit.get('Unit', 'Wants').split()
    assert 'mariadb.service' not in wants
    if service == 'compute':
        assert svc['SupplementaryGroups'] == 'libvirt'
        assert 'libvirtd.service' in after and 'libvirtd.service' in wants
        assert svc['PrivateTmp'] == 'false'
    else:
        assert svc['PrivateTmp'] == 'true'


# -- the services under the notify protocol ----------------------------------
class NotifySocket:
    """What systemd listens on: an AF_UNIX datagram socket."""

    def __init__(self, path):
        self.path = path
        self.log = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait_for(self, key, proc, timeout=90):
        """Messages until one has ``key`` (e.g. 'READY=1'); returns the
        lines seen on the way, that one included."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            self.sock.settimeout(0.2)
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                # Only once the socket is drained: a stopping service
                # may be gone before we read what it sent.
                assert proc.poll() is None, (
                    'exited with %s; got %s\n%s' % (
                        proc.returncode, seen, _tail(self.log)))
                continue
            lines = data.split('\n')
            self.messages.append(lines)
            seen.extend(lines)
            if key in lines:
                return seen
        raise AssertionError('no %s within %ss; got %s' % (
            key, timeout, seen))

    def close(self):
        self.sock.close()


def _tail(log):
    if not log or not os.path.exists(log):
        return ''
    with open(log, errors='replace') as src:
        return ''.join(src.readlines()[-30:])


def command_line(unit_file, conf_file):
    """ExecStart of the shipped unit, run from the venv on our config."""
    line = read_unit(unit_file).get('Service', 'ExecStart')
    argv = shlex.split(line)
    assert argv[0].startswith('/'), argv
    argv[0] = localcloud.bin_path(os.path.basename(argv[0]))
    assert SHIPPED_CONF in argv, argv
    return [conf_file if a == SHIPPED_CONF else a for a in argv]


@pytest.fixture(scope='module')
def bare_cloud():
    with bare.bare_cloud(extra_conf={'DEFAULT': {
            'debug': 'False', 'host': 'sd-host'}}) as cloud:
        yield cloud


def _answers(cloud, service):
    """One request to the service, with a short timeout: True if answered."""
    if service == 'api':
        try:
            rsp = requests.get(cloud.endpoint + '/v2.1', timeout=5)
        except requests.ConnectionError:
            return False
        return rsp.status_code == 200
    topic, version, server, method, kwargs = PINGS[service]
    conf = config.parse_args(['--config-file', cloud.conf_file])
    client = rpc.get_client(conf, topic, version, server=server)
    try:
        client.prepare(timeout=5).call(nl_context.get_admin_context(),
                                       method, **kwargs)
    except messaging.MessagingTimeout:
        return False
    except Exception:  # noqa: BLE001 -- an error reply is an answer
        pass
    return True


def _set_options(conf_file, **values):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf_file)
    for key, value in values.items():
        parser.set('DEFAULT', key, value)
    with open(conf_file, 'w') as out:
        parser.write(out)


def test_notify_reload_and_stop(bare_cloud):
    procs, sockets = {}, {}
    sock_dir = tempfile.mkdtemp(prefix='nl-notify-')
    try:
        # Conductor first, as the target's ordering would (compute reports
        # to it at start).
        for service in SERVICES:
            sockets[service] = NotifySocket(os.path.join(sock_dir, service))
            sockets[service].log = os.path.join(bare_cloud.log_dir,
                                                service + '.log')
            log = open(sockets[service].log, 'wb')
            env = dict(os.environ, NOTIFY_SOCKET=sockets[service].path)
            procs[service] = subprocess.Popen(
                command_line(os.path.join(
                    UNIT_DIR, 'novalite-%s.service' % service),
                    bare_cloud.conf_file),
                stdout=log, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            seen = sockets[service].wait_for('READY=1', procs[service])
            # Answered at once: READY=1 came after the service could work.
            assert _answers(bare_cloud, service), (
                '%s sent READY=1 but does not answer' % service)
            assert any(s.startswith('STATUS=') for s in
                       seen[:seen.index('READY=1')]), seen

        # SIGHUP: a mutable option and debug logging take effect.
        _set_options(bare_cloud.conf_file, debug='True', report_interval='3')
        for service in SERVICES:
            path = os.path.join(bare_cloud.log_dir, service + '.log')
            with open(path) as src:
                assert ' DEBUG ' not in src.read(), service
            procs[service].send_signal(signal.SIGHUP)
            seen = sockets[service].wait_for('RELOADING=1', procs[service],
                                              timeout=20)
            assert 'READY=1' not in seen
            sockets[service].wait_for('READY=1', procs[service], timeout=20)
            with open(path) as src:
                text = src.read()
            assert ' DEBUG ' in text, service
            assert re.search(r'report_interval\s+= 3\b', text), service
            assert _answers(bare_cloud, service), service

        # SIGTERM: STOPPING=1, drain, exit 0; the API last in, first out.
        for service in reversed(SERVICES):
            procs[service].send_signal(signal.SIGTERM)
            sockets[service].wait_for('STOPPING=1', procs[service],
                                      timeout=30)
            assert procs[service].wait(timeout=60) == 0, service
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for sock in sockets.values():
            sock.close()
        shutil.rmtree(sock_dir, ignore_errors=True)
