"""The devstack plugin, phase by phase, under recording stand-ins for
devstack's functions (iniset, run_process, get_or_create_endpoint, ...),
and clean under bashate and shellcheck."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
DEVSTACK = os.path.join(ROOT, 'devstack')
SCRIPTS = [os.path.join(DEVSTACK, p)
           for p in ('plugin.sh', 'settings', 'lib/novalite')]
NOVALITE = 'n-lite-api n-lite-cond n-lite-sch n-lite-cpu'

# devstack's functions as the plugin calls them; each records its call.
HARNESS = r'''
set -e
rec() { echo "$*" >> "$RECORD"; }
define_plugin() { rec define_plugin "$@"; }
is_service_enabled() {
    local s; for s in "$@"; do
        [[ " $ENABLED " == *" $s "* ]] && return 0; done; return 1; }
die() { shift; echo "DIE: $*" >&2; exit 1; }
setup_develop() { rec setup_develop "$@"; }
iniset() { rec iniset "$@"; }
sudo() { rec sudo "$@"; }
get_transport_url() { echo rabbit://stackrabbit:pw@10.0.0.1:5672/; }
database_connection_url() { echo "mysql+pymysql://root:pw@10.0.0.1/$1"; }
configure_keystone_authtoken_middleware() {
    rec configure_keystone_authtoken_middleware "$@"; }
write_uwsgi_config() { rec write_uwsgi_config "$@"; }
remove_uwsgi_config() { rec remove_uwsgi_config "$@"; }
create_service_user() { rec create_service_user "$@"; }
get_or_create_service() { rec get_or_create_service "$@"; echo "svc-$2"; }
get_or_create_endpoint() { rec get_or_create_endpoint "$@"; }
recreate_database() { rec recreate_database "$@"; }
run_process() { rec run_process "$@"; }
stop_process() { rec stop_process "$@"; }
get_python_exec_prefix() { echo "$BIN"; }
which() { echo "/usr/local/bin/$1"; }
'''


@pytest.fixture
def stack(tmp_path):
    top = tmp_path / 'devstack'
    (top / 'lib' / 'nova_plugins').mkdir(parents=True)
    (top / 'lib' / 'nova_plugins' / 'functions-libvirt').write_text(
        'install_libvirt() { rec install_libvirt; }\n')
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    manage = bin_dir / 'novalite-manage'
    manage.write_text('#!/bin/sh\necho "novalite-manage $*" >> "$RECORD"\n')
    manage.chmod(0o755)
    files = tmp_path / 'files'
    files.mkdir()
    (files / 'cirros.img').write_bytes(b'\0')
    harness = tmp_path / 'harness.sh'
    harness.write_text(HARNESS)
    record = tmp_path / 'record'

    def run(*phase, enabled=NOVALITE):
        record.write_text('')
        env = dict(os.environ, RECORD=str(record), ENABLED=enabled,
                   BIN=str(bin_dir), TOP_DIR=str(top), DEST=str(tmp_path),
                   NOVALITE_DIR=ROOT, DATA_DIR=str(tmp_path / 'data'),
                   FILES=str(files), SERVICE_HOST='10.0.0.1',
                   SERVICE_PROTOCOL='http', REGION_NAME='RegionOne',
                   STACK_USER='stack', ENABLE_DEBUG_LOG_LEVEL='True',
                   LIBVIRT_GROUP='libvirt', TEMPEST_CONFIG='/t/tempest.conf',
                   IMAGE_URLS='http://x/cirros.img')
        script = ('source %s; source %s/settings; source %s/plugin.sh %s'
                  % (harness, DEVSTACK, DEVSTACK, ' '.join(phase)))
        proc = subprocess.run(['bash', '-c', script], env=env,
                              capture_output=True, text=True, timeout=30)
        calls = record.read_text().splitlines()
        assert calls[:1] == ['define_plugin novalite'], calls
        return proc, calls[1:]
    return run


def test_refuses_to_run_beside_devstacks_nova(stack):
    proc, _ = stack('stack', 'pre-install', enabled=NOVALITE + ' n-cpu')
    assert proc.returncode != 0
    assert "cannot run beside devstack's Nova (n-cpu is enabled)" in (
        proc.stderr)
    proc, _ = stack('stack', 'pre-install')
    assert proc.returncode == 0, proc.stderr


def test_install(stack):
    proc, calls = stack('stack', 'install')
    assert proc.returncode == 0, proc.stderr
    assert 'setup_develop %s' % ROOT in calls
    assert 'install_libvirt' in calls


def test_post_config_sets_options_and_registers_endpoints(stack):
    proc, calls = stack('stack', 'post-config')
    assert proc.returncode == 0, proc.stderr
    conf = '/etc/novalite/novalite.conf'
    for line in (
            'DEFAULT transport_url rabbit://stackrabbit:pw@10.0.0.1:5672/',
            'database connection mysql+pymysql://root:pw@10.0.0.1/novalite',
            'api auth_strategy keystone',
            'libvirt virt_type qemu',
            'image api_endpoint http://10.0.0.1/compute/image'):
        assert 'iniset %s %s' % (conf, line) in calls, calls
    assert ('configure_keystone_authtoken_middleware %s novalite' % conf
            in calls)
    assert ('write_uwsgi_config /etc/novalite/novalite-api-uwsgi.ini '
            'novalite.api.wsgi:application /compute  novalite-api' in calls)
    endpoints = [c for c in calls if c.startswith('get_or_create_endpoint')]
    assert endpoints == [
        'get_or_create_endpoint svc-compute RegionOne '
        'http://10.0.0.1/compute/v2.1',
        'get_or_create_endpoint svc-image RegionOne '
        'http://10.0.0.1/compute/image',
        'get_or_create_endpoint svc-network RegionOne '
        'http://10.0.0.1/compute/network']
    # With Glance and Neutron enabled, theirs are the image and network
    # endpoints.
    _, calls = stack('stack', 'post-config',
                     enabled=NOVALITE + ' g-api q-svc')
    assert len([c for c in calls
                if c.startswith('get_or_create_endpoint')]) == 1


def test_extra_initialises_and_starts_the_services(stack, tmp_path):
    proc, calls = stack('stack', 'extra')
    assert proc.returncode == 0, proc.stderr
    conf = '/etc/novalite/novalite.conf'
    assert calls[:3] == [
        'recreate_database novalite',
        'novalite-manage --config-file %s bootstrap' % conf,
        'novalite-manage --config-file %s image import %s' % (
            conf, tmp_path / 'files' / 'cirros.img')]
    started = {c.split()[1]: c for c in calls if c.startswith('run_process')}
    assert set(started) == set(NOVALITE.split())
    assert 'uwsgi' in started['n-lite-api']
    assert 'NOVALITE_CONFIG_FILE=%s' % conf in started['n-lite-api']
    assert started['n-lite-cpu'].endswith('libvirt')


def test_test_config_unstack_clean(stack):
    _, calls = stack('stack', 'test-config')
    assert 'iniset /t/tempest.conf compute max_microversion latest' in calls
    _, calls = stack('unstack')
    assert calls == ['stop_process %s' % s for s in NOVALITE.split()]
    _, calls = stack('clean')
    assert any(c.startswith('remove_uwsgi_config') for c in calls)
    # A phase while novalite is not enabled does nothing at all.
    _, calls = stack('stack', 'extra', enabled='n-api n-cpu')
    assert calls == []


def test_bashate_clean():
    bashate = os.path.join(os.path.dirname(sys.executable), 'bashate')
    assert os.path.exists(bashate), 'pip install -e .[test] installs bashate'
    proc = subprocess.run([bashate, '-iE006', *SCRIPTS],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and 'E0' not in proc.stdout, proc.stdout


def test_shellcheck_clean():
    shellcheck = shutil.which('shellcheck')
    assert shellcheck, 'shellcheck is missing: `make deps` installs it'
    proc = subprocess.run([shellcheck, '-s', 'bash', *SCRIPTS],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout
