"""tools/horizon.py: the local_settings it writes into Horizon's virtualenv
and the stop that reaps its own gunicorn."""

import os
import subprocess
import sys
import time

from novalite.tools import horizon


def _settings(env):
    code = horizon.LOCAL_SETTINGS % {'secret': horizon.SECRET_KEY}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        scope = {}
        exec(compile(code, 'local_settings.py', 'exec'), scope)
        return scope
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_local_settings_follow_the_environment():
    s = _settings({'NOVALITE_HORIZON_KEYSTONE_URL': 'http://127.0.0.1:1/v3',
                   'NOVALITE_HORIZON_SESSIONS': '/tmp/sessions',
                   'NOVALITE_HORIZON_LOG': '/tmp/horizon.log'})
    assert s['OPENSTACK_KEYSTONE_URL'] == 'http://127.0.0.1:1/v3'
    assert s['SESSION_ENGINE'] == 'django.contrib.sessions.backends.file'
    assert s['SESSION_FILE_PATH'] == '/tmp/sessions'
    assert 'locmem' in s['CACHES']['default']['BACKEND']
    assert s['LOGGING']['handlers']['file']['filename'] == '/tmp/horizon.log'
    assert s['SECRET_KEY'] == horizon.SECRET_KEY
    assert s['COMPRESS_OFFLINE'] is True and s['DEBUG'] is False
    # What /network does not serve is off.
    net = s['OPENSTACK_NEUTRON_NETWORK']
    for key in ('enable_router', 'enable_quotas', 'enable_rbac_policy',
                'enable_fip_topology_check', 'enable_ha_router',
                'enable_distributed_router'):
        assert net[key] is False, key
    assert s['LAUNCH_INSTANCE_DEFAULTS']['create_volume'] is False


def test_defaults_are_make_runs_keystone():
    s = _settings({})
    assert s['OPENSTACK_KEYSTONE_URL'] == 'http://127.0.0.1:5000/v3'
    hz = horizon.for_state('/tmp/state')
    assert (hz.host, hz.port) == ('127.0.0.1', 8080)
    assert hz.venv_dir == '/tmp/state/horizon-venv'
    assert hz.keystone_url == 'http://127.0.0.1:5000/v3'


def test_exited_reaps_its_own_child():
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    deadline = time.monotonic() + 10
    while not horizon._exited(proc.pid):
        assert time.monotonic() < deadline, 'a zombie child never "exited"'
        time.sleep(0.05)


def _fake_dashboard(state):
    """A process standing in for Horizon's gunicorn, recorded where
    ``make horizon`` records it (its own session, as start() makes it)."""
    proc = subprocess.Popen(['sleep', '60'], start_new_session=True)
    hz = horizon.for_state(state)
    os.makedirs(hz.data_dir, exist_ok=True)
    with open(hz.pid_path, 'w') as out:
        out.write(str(proc.pid))
    return proc


def test_make_horizon_stop_ends_the_dashboard(tmp_path, capsys):
    """`python -m novalite.tools.horizon stop` (what `make stop` and a
    user run) ends the recorded dashboard and says so; a second stop
    says it is not running."""
    proc = _fake_dashboard(str(tmp_path))
    assert horizon.main(['stop', '--state', str(tmp_path)]) == 0
    assert proc.wait(timeout=20) is not None
    assert 'stopped horizon' in capsys.readouterr().out
    assert horizon.main(['stop', '--state', str(tmp_path)]) == 0
    assert 'horizon not running' in capsys.readouterr().out


def test_make_stop_stops_horizon_with_the_cloud(tmp_path, capsys,
                                               monkeypatch):
    from novalite.tools import devrun
    monkeypatch.setenv('LIBVIRT_URI', 'test:///default')
    proc = _fake_dashboard(str(tmp_path))
    devrun.stop(str(tmp_path))
    assert proc.wait(timeout=20) is not None
    assert 'horizon' in capsys.readouterr().out
    assert horizon.for_state(str(tmp_path)).pid() is None
