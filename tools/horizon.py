"""`make horizon`: OpenStack's dashboard (Horizon, from PyPI) in front of the
cloud of `make run AUTH=keystone`; the browser test shares this helper.

Horizon pins its own Django and clients, so it lives in its own virtualenv
(``venv_dir``, installed from PyPI once, with gunicorn and whitenoise); its
static files are collected and compressed offline there at install time.
``local_settings.py`` (written into that virtualenv) reads what differs per
run from the environment gunicorn is started with: the Keystone URL, the
session directory and the log file (all under ``data_dir``). Sessions are
files and the cache is local memory: no memcached. The secret key is fixed
(a development dashboard on loopback). Served by gunicorn on
127.0.0.1:``port`` (8080 by default), static files by whitenoise.

    python -m novalite.tools.horizon start [--state .state] [--port 8080]
    python -m novalite.tools.horizon stop  [--state .state]

The network API serves networks, subnets, ports and security groups only
(no routers, floating IPs, quotas or RBAC extensions), so
``OPENSTACK_NEUTRON_NETWORK`` turns those panels off.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

HORIZON_PIP = os.environ.get('NOVALITE_HORIZON_PIP', 'horizon==25.5.2')
# As OpenStack's upper-constraints pin them for Horizon: its SCSS imports
# Font Awesome 4's (6.x on PyPI has no scss/font-awesome.scss), and
# oslo.policy 5+ has no enforce_scope option left, so Horizon's own policy
# checks treat its project tokens as domain-scoped and hide the Images, Key
# Pairs and Server Groups panels ("You are not authorized").
EXTRA_PIP = ('gunicorn', 'whitenoise', 'XStatic-Font-Awesome==4.7.0.0',
             'oslo.policy<5')
_WSGI_MODULE = 'novalite_horizon_wsgi'
SECRET_KEY = 'novalite-horizon-development-key-not-for-production'

# Written into <venv>/.../openstack_dashboard/local/local_settings.py;
# Horizon's settings.py imports it.
LOCAL_SETTINGS = '''\
"""Written by novalite's tools/horizon.py: Horizon for a local novalite
cloud behind Keystone. Per-run values come from the environment."""
import os

DEBUG = False
ALLOWED_HOSTS = ['*']
SECRET_KEY = os.environ.get('NOVALITE_HORIZON_SECRET_KEY', %(secret)r)
WEBROOT = '/'
OPENSTACK_KEYSTONE_URL = os.environ.get('NOVALITE_HORIZON_KEYSTONE_URL',
                                        'http://127.0.0.1:5000/v3')
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
OPENSTACK_ENDPOINT_TYPE = 'publicURL'
# Files, not memcached: any worker reads any session.
SESSION_ENGINE = 'django.contrib.sessions.backends.file'
SESSION_FILE_PATH = os.environ.get('NOVALITE_HORIZON_SESSIONS', '/tmp')
CACHES = {'default': {
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
# What /network serves: networks, subnets, ports, security groups.
OPENSTACK_NEUTRON_NETWORK = {
    'enable_router': False,
    'enable_quotas': False,
    'enable_ipv6': False,
    'enable_distributed_router': False,
    'enable_ha_router': False,
    'enable_fip_topology_check': False,
    'enable_rbac_policy': False,
    'enable_auto_allocated_network': False,
    'default_dns_nameservers': [],
    'supported_provider_types': ['*'],
    'segmentation_id_range': {},
    'extra_provider_types': {},
    'supported_vnic_types': ['*'],
    'physical_networks': [],
}
# No block storage service: boot from an image, never a new volume.
LAUNCH_INSTANCE_DEFAULTS = {
    'config_drive': False,
    'create_volume': False,
    'hide_create_volume': True,
    'disable_image': False,
    'disable_instance_snapshot': False,
    'disable_volume': True,
    'disable_volume_snapshot': True,
    'enable_scheduler_hints': True,
    'enable_metadata': True,
    'enable_net_ports': True,
}
OPENSTACK_HYPERVISOR_FEATURES = {
    'can_set_mount_point': False,
    'can_set_password': False,
    'requires_keypair': False,
    'enable_quotas': True,
}
# No VNC, SPICE or serial console proxy: no Console tab (the Log tab reads
# os-getConsoleOutput).
CONSOLE_TYPE = None
TIME_ZONE = 'UTC'
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {'plain': {
        'format': '%%(asctime)s %%(process)d %%(levelname)s %%(name)s '
                  '%%(message)s'}},
    'handlers': {'file': {
        'class': 'logging.FileHandler', 'formatter': 'plain',
        'filename': os.environ.get('NOVALITE_HORIZON_LOG',
                                   '/dev/stderr')}},
    'root': {'handlers': ['file'], 'level': 'INFO'},
    'loggers': {
        'django.request': {'level': 'ERROR'},
        'django.server': {'level': 'ERROR'},
        'iso8601': {'level': 'WARNING'},
        'urllib3': {'level': 'WARNING'},
        'keystoneauth': {'level': 'WARNING'},
        'stevedore': {'level': 'WARNING'},
    },
}
'''

_WSGI = '''\
"""Horizon's WSGI application with its collected static files (whitenoise,
as Horizon only serves them itself when DEBUG)."""
from django.conf import settings
from whitenoise import WhiteNoise

from openstack_dashboard.wsgi import application as _horizon

application = WhiteNoise(_horizon, root=settings.STATIC_ROOT,
                         prefix=settings.STATIC_URL, max_age=3600)
'''


class HorizonError(RuntimeError):
    pass


class Horizon:
    """One dashboard: install (once), start, stop."""

    def __init__(self, data_dir, venv_dir=None, port=8080,
                 host='127.0.0.1', keystone_url='http://127.0.0.1:5000/v3'):
        self.data_dir = os.path.abspath(data_dir)
        self.venv_dir = os.path.abspath(
            venv_dir or os.path.join(os.path.dirname(self.data_dir),
                                     'horizon-venv'))
        self.host = host
        self.port = port
        self.keystone_url = keystone_url
        self.pid_path = os.path.join(self.data_dir, 'gunicorn.pid')
        self.log_path = os.path.join(self.data_dir, 'horizon.log')
        self.server_log_path = os.path.join(self.data_dir, 'gunicorn.log')

    @property
    def url(self):
        return 'http://%s:%d/' % (self.host, self.port)

    def _bin(self, name):
        return os.path.join(self.venv_dir, 'bin', name)

    def _site_packages(self):
        lib = os.path.join(self.venv_dir, 'lib')
        (pyver,) = [d for d in os.listdir(lib) if d.startswith('python')]
        return os.path.join(lib, pyver, 'site-packages')

    # -- install -------------------------------------------------------------
    def install(self):
        """Horizon, gunicorn and whitenoise in their own virtualenv, with
        local_settings.py and the static files collected and compressed
        (once; a stamp names what was installed)."""
        stamp = os.path.join(self.venv_dir, '.novalite-installed')
        want = '%s %s\n' % (HORIZON_PIP, _digest(
            ' '.join(EXTRA_PIP) + LOCAL_SETTINGS + _WSGI))
        if os.path.exists(stamp):
            with open(stamp) as src:
                if src.read() == want:
                    return
        if not os.path.exists(self._bin('python')):
            _run([sys.executable, '-m', 'venv', self.venv_dir])
        _run([self._bin('pip'), 'install', '-q', HORIZON_PIP, *EXTRA_PIP],
             timeout=1500)
        site = self._site_packages()
        with open(os.path.join(site, 'openstack_dashboard', 'local',
                               'local_settings.py'), 'w') as out:
            out.write(LOCAL_SETTINGS % {'secret': SECRET_KEY})
        with open(os.path.join(site, _WSGI_MODULE + '.py'), 'w') as out:
            out.write(_WSGI)
        env = self._env()
        env['NOVALITE_HORIZON_LOG'] = os.devnull
        admin = [self._bin('python'), '-m', 'django']
        _run(admin + ['collectstatic', '--noinput', '-v', '0'], env=env,
             timeout=900)
        _run(admin + ['compress', '--force', '-v', '0'], env=env,
             timeout=900)
        with open(stamp, 'w') as out:
            out.write(want)

    def _env(self):
        env = dict(os.environ)
        for name in list(env):
            if name.startswith(('OS_', 'PYTHON')):
                env.pop(name)
        env.update({
            'DJANGO_SETTINGS_MODULE': 'openstack_dashboard.settings',
            'NOVALITE_HORIZON_KEYSTONE_URL': self.keystone_url,
            'NOVALITE_HORIZON_SESSIONS': os.path.join(self.data_dir,
                                                      'sessions'),
            'NOVALITE_HORIZON_LOG': self.log_path,
        })
        return env

    # -- run -----------------------------------------------------------------
    def pid(self):
        try:
            with open(self.pid_path) as src:
                pid = int(src.read().strip())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None

    def answering(self):
        try:
            with urllib.request.urlopen(self.url + 'auth/login/',
                                        timeout=5) as rsp:
                return rsp.status == 200
        except OSError:
            return False

    def start(self, timeout=90):
        if self.pid() and self.answering():
            return
        os.makedirs(os.path.join(self.data_dir, 'sessions'), exist_ok=True)
        log = open(self.server_log_path, 'ab')
        subprocess.Popen(
            [self._bin('gunicorn'), '--bind', '%s:%d' % (self.host, self.port),
             '--workers', '2', '--threads', '4', '--timeout', '120',
             # The browser's keep-alive connections would hold a graceful
             # stop for gunicorn's default 30 s.
             '--graceful-timeout', '3', '--keep-alive', '2',
             '--pid', self.pid_path, '--no-control-socket',
             _WSGI_MODULE + ':application'],
            env=self._env(), cwd=self.data_dir, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answering():
                return
            time.sleep(0.5)
        raise HorizonError('Horizon did not answer at %s within %ss; see %s'
                           % (self.url, timeout, self.server_log_path))

    def stop(self, timeout=15):
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _exited(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        try:
            os.unlink(self.pid_path)
        except FileNotFoundError:
            pass
        return True

    def tracebacks(self):
        """The tracebacks Horizon and gunicorn logged so far."""
        found = []
        for path in (self.log_path, self.server_log_path):
            try:
                with open(path, errors='replace') as src:
                    text = src.read()
            except FileNotFoundError:
                continue
            if 'Traceback' in text:
                found.append('%s:\n%s' % (path, text[text.index(
                    'Traceback') - 300:][:6000]))
        return found


def _digest(text):
    import hashlib
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _exited(pid):
    """Whether ``pid`` is gone; reaps it when it is this process's child
    (a zombie still answers ``kill(pid, 0)``)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _run(cmd, timeout=300, env=None):
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, env=env)
    if proc.returncode != 0:
        raise HorizonError('%s failed (%s):\n%s' % (
            ' '.join(cmd[:4]), proc.returncode,
            (proc.stderr or proc.stdout)[-3000:]))
    return proc.stdout


def for_state(state, port=None):
    """The dashboard of `make run AUTH=keystone`'s cloud in ``state``."""
    ks_port = int(os.environ.get('NOVALITE_KEYSTONE_PORT', 5000))
    return Horizon(
        os.path.join(state, 'horizon'),
        port=port or int(os.environ.get('NOVALITE_HORIZON_PORT', 8080)),
        keystone_url='http://127.0.0.1:%d/v3' % ks_port)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=['start', 'stop'])
    parser.add_argument('--state', default=os.path.join(os.getcwd(), '.state'))
    parser.add_argument('--port', type=int, default=None)
    args = parser.parse_args(argv)
    state = os.path.abspath(args.state)
    horizon = for_state(state, args.port)
    if args.action == 'stop':
        print('stopped horizon' if horizon.stop() else 'horizon not running')
        return 0
    print('Horizon: installing into %s (once)' % horizon.venv_dir)
    began = time.monotonic()
    horizon.install()
    horizon.start()
    from novalite.tools import keystone as keystone_tool
    passwords = keystone_tool.Keystone(os.path.join(state, 'keystone'))
    try:
        demo = passwords.passwords()['demo'] if os.path.exists(
            passwords._passwords_path) else None
    except OSError:
        demo = None
    print('Horizon is up at %s (%.0fs); log in as demo%s (domain Default).\n'
          'Logs: %s, %s. Stop it with: make stop'
          % (horizon.url, time.monotonic() - began,
             ' / %s' % demo if demo else
             ' (passwords in %s/keystone/passwords.json)' % state,
             horizon.log_path, horizon.server_log_path))
    return 0


if __name__ == '__main__':
    sys.exit(main())
