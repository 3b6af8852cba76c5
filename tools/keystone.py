"""A real Keystone beside a local novalite cloud: `make run AUTH=keystone`
and the identity tests share this one helper.

Keystone pins its own dependencies, so it lives in its own virtualenv
(``venv_dir``, installed from PyPI once); its data — keystone.conf, the
SQLite database, fernet and credential keys, generated passwords — lives in
``data_dir``. It is served by gunicorn (a real WSGI server) on
127.0.0.1:``port`` and seeded idempotently with the projects, users, roles
and catalog entries that clients (openstacksdk, the CLI, tempest, Horizon)
expect:

============  ===========  ==============================
user          project      roles
============  ===========  ==============================
admin         admin        admin (from ``bootstrap``)
demo          demo         member
demo_reader   demo         reader
alt_demo      alt_demo     member
novalite      service      service (validates user tokens)
============  ===========  ==============================
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

KEYSTONE_PIP = os.environ.get('NOVALITE_KEYSTONE_PIP', 'keystone==30.0.0')
GUNICORN_PIP = 'gunicorn'
REGION = 'RegionOne'
DOMAIN = 'Default'
# (clouds.yaml suffix, user, project, role)
USERS = (
    ('admin', 'admin', 'admin', 'admin'),
    ('demo', 'demo', 'demo', 'member'),
    ('reader', 'demo_reader', 'demo', 'reader'),
    ('alt', 'alt_demo', 'alt_demo', 'member'),
)
SERVICE_USER = ('novalite', 'service', 'service')
_WSGI_MODULE = 'novalite_keystone_wsgi'

_CONF = """\
[DEFAULT]
log_file = {data}/keystone.log
[database]
connection = sqlite:///{data}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {data}/fernet-keys
[fernet_receipts]
key_repository = {data}/fernet-keys
[credential]
key_repository = {data}/credential-keys
[identity]
# A local development cloud: cheap hashing keeps password logins fast
# (Keystone's default 12 bcrypt rounds costs ~0.3 s per token).
password_hash_rounds = 4
"""


class KeystoneError(RuntimeError):
    pass


class Keystone:
    """One Keystone: install, configure, start, seed, stop."""

    def __init__(self, data_dir, venv_dir=None, port=5000,
                 host='127.0.0.1'):
        self.data_dir = os.path.abspath(data_dir)
        self.venv_dir = os.path.abspath(
            venv_dir or os.path.join(self.data_dir, 'venv'))
        self.host = host
        self.port = port
        self.conf_path = os.path.join(self.data_dir, 'keystone.conf')
        self.pid_path = os.path.join(self.data_dir, 'gunicorn.pid')
        self._passwords_path = os.path.join(self.data_dir, 'passwords.json')

    @property
    def url(self):
        return 'http://%s:%d' % (self.host, self.port)

    @property
    def auth_url(self):
        return self.url + '/v3'

    def _bin(self, name):
        return os.path.join(self.venv_dir, 'bin', name)

    # -- install and configure --------------------------------------------------
    def install(self):
        """Keystone and gunicorn in their own virtualenv (once)."""
        stamp = os.path.join(self.venv_dir, '.novalite-installed')
        if os.path.exists(stamp):
            with open(stamp) as src:
                if src.read().strip() == KEYSTONE_PIP:
                    return
        if not os.path.exists(self._bin('python')):
            _run([sys.executable, '-m', 'venv', self.venv_dir])
        _run([self._bin('pip'), 'install', '-q', KEYSTONE_PIP, GUNICORN_PIP],
             timeout=900)
        with open(stamp, 'w') as out:
            out.write(KEYSTONE_PIP + '\n')

    def passwords(self):
        """Generated once per data dir and kept (0600) so that running
        again reuses them."""
        try:
            with open(self._passwords_path) as src:
                return json.load(src)
        except FileNotFoundError:
            pass
        os.makedirs(self.data_dir, exist_ok=True)
        names = [u[1] for u in USERS] + [SERVICE_USER[0]]
        pw = {name: secrets.token_urlsafe(12) for name in names}
        fd = os.open(self._passwords_path,
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as out:
            json.dump(pw, out)
        return pw

    def configure(self):
        """keystone.conf, schema, keys and ``bootstrap`` (all idempotent)."""
        os.makedirs(self.data_dir, exist_ok=True)
        for sub in ('fernet-keys', 'credential-keys'):
            os.makedirs(os.path.join(self.data_dir, sub), mode=0o700,
                        exist_ok=True)
        with open(self.conf_path, 'w') as out:
            out.write(_CONF.format(data=self.data_dir))
        manage = [self._bin('keystone-manage'), '--config-file',
                  self.conf_path]
        _run(manage + ['db_sync'])
        owner = ['--keystone-user', 'root', '--keystone-group', 'root']
        if not os.listdir(os.path.join(self.data_dir, 'fernet-keys')):
            _run(manage + ['fernet_setup'] + owner)
        if not os.listdir(os.path.join(self.data_dir, 'credential-keys')):
            _run(manage + ['credential_setup'] + owner)
        _run(manage + [
            # '=': a generated password may start with '-'.
            'bootstrap', '--bootstrap-password=' + self.passwords()['admin'],
            '--bootstrap-username', 'admin',
            '--bootstrap-project-name', 'admin',
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', self.auth_url,
            '--bootstrap-internal-url', self.auth_url,
            '--bootstrap-public-url', self.auth_url])

    # -- run ---------------------------------------------------------------------
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
            with urllib.request.urlopen(self.auth_url, timeout=2) as rsp:
                return rsp.status == 200
        except OSError:
            return False

    def start(self, timeout=60):
        if self.pid() and self.answering():
            return
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf_path)
        # Keystone parses sys.argv with oslo.config at import: give it an
        # empty command line instead of gunicorn's.
        with open(os.path.join(self.data_dir, _WSGI_MODULE + '.py'),
                  'w') as out:
            out.write('import sys\nsys.argv = sys.argv[:1]\n'
                      'from keystone.wsgi.api import application  # noqa\n')
        log = open(os.path.join(self.data_dir, 'gunicorn.log'), 'ab')
        subprocess.Popen(
            [self._bin('gunicorn'), '--bind', '%s:%d' % (self.host, self.port),
             '--workers', '2', '--threads', '4', '--timeout', '60',
             '--pid', self.pid_path, '--no-control-socket',
             '--pythonpath', self.data_dir, _WSGI_MODULE + ':application'],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answering():
                return
            time.sleep(0.3)
        raise KeystoneError('Keystone did not answer at %s within %ss; see %s'
                            % (self.auth_url, timeout, self.data_dir))

    def stop(self, timeout=15):
        pid = self.pid()
        if pid is None:
            return
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

    # -- seed ---------------------------------------------------------------------
    def admin_connection(self):
        import openstack
        return openstack.connect(
            auth_url=self.auth_url, username='admin',
            password=self.passwords()['admin'], project_name='admin',
            user_domain_name=DOMAIN, project_domain_name=DOMAIN,
            region_name=REGION, identity_api_version='3',
            # Not clouds.yaml: openstacksdk takes a lone cloud there (e.g.
            # make run's noauth one) as the default, over these arguments.
            load_yaml_config=False, load_envvars=False)

    def seed(self, novalite_endpoint):
        """Projects, users, role assignments and the compute, image and network
        catalog entries pointing at ``novalite_endpoint`` (the API's base
        URL). Safe to run again: existing entries are reused or updated."""
        conn = self.admin_connection()
        ident = conn.identity
        domain = ident.find_domain(DOMAIN)
        roles = {name: _find_or_create(ident.roles(), ident.create_role,
                                       name=name)
                 for name in ('admin', 'member', 'reader', 'service')}
        passwords = self.passwords()
        for _suffix, user, project, role in USERS + (
                (None,) + SERVICE_USER,):
            proj = _find_or_create(
                ident.projects(domain_id=domain.id), ident.create_project,
                name=project, domain_id=domain.id)
            usr = _find_or_create(
                ident.users(domain_id=domain.id), ident.create_user,
                name=user, domain_id=domain.id, password=passwords[user],
                default_project_id=proj.id)
            conn.identity.assign_project_role_to_user(proj, usr, roles[role])
        self._endpoint(conn, 'compute', 'nova', novalite_endpoint + '/v2.1')
        self._endpoint(conn, 'image', 'glance', novalite_endpoint + '/image')
        self._endpoint(conn, 'network', 'neutron',
                       novalite_endpoint + '/network')

    @staticmethod
    def _endpoint(conn, service_type, name, url):
        ident = conn.identity
        service = _find_or_create(ident.services(), ident.create_service,
                                  type=service_type, name=name)
        for interface in ('public', 'internal', 'admin'):
            found = [e for e in ident.endpoints(service_id=service.id)
                     if e.interface == interface]
            if found and found[0].url == url:
                continue
            for old in found:
                ident.delete_endpoint(old)
            ident.create_endpoint(service_id=service.id, interface=interface,
                                  url=url, region_id=REGION)

    # -- client configuration ---------------------------------------------------
    def cloud_configs(self, prefix='novalite'):
        """clouds.yaml entries ``<prefix>-admin|demo|reader|alt``."""
        passwords = self.passwords()
        return {'%s-%s' % (prefix, suffix): {
            'auth_type': 'password',
            'auth': {'auth_url': self.auth_url, 'username': user,
                     'password': passwords[user], 'project_name': project,
                     'user_domain_name': DOMAIN,
                     'project_domain_name': DOMAIN},
            'identity_api_version': '3',
            'region_name': REGION,
        } for suffix, user, project, _role in USERS}

    def authtoken_conf(self):
        """novalite's ``[keystone_authtoken]`` section."""
        return {
            'www_authenticate_uri': self.auth_url,
            'auth_url': self.auth_url,
            'auth_type': 'password',
            'username': SERVICE_USER[0],
            'password': self.passwords()[SERVICE_USER[0]],
            'project_name': SERVICE_USER[1],
            'user_domain_name': DOMAIN,
            'project_domain_name': DOMAIN,
            'region_name': REGION,
        }

    def up(self, novalite_endpoint):
        """Install, configure, start and seed: the whole of it."""
        self.install()
        self.configure()
        self.start()
        self.seed(novalite_endpoint)


def _find_or_create(existing, create, **attrs):
    name = attrs['name'] if 'name' in attrs else attrs['type']
    key = 'name' if 'name' in attrs else 'type'
    for item in existing:
        if getattr(item, key) == name:
            return item
    return create(**attrs)


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


def _run(cmd, timeout=300):
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise KeystoneError('%s failed (%s):\n%s' % (
            ' '.join(cmd[:3]), proc.returncode,
            (proc.stderr or proc.stdout)[-3000:]))
    return proc.stdout
