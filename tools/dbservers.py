"""Private MariaDB and PostgreSQL servers for the tests and benchmarks.

Each server is initialised in its own temporary directory and listens on a
free port of 127.0.0.1 (never the machine's 3306 / 5432), so the suite
depends only on the server binaries being installed, not on any running
service or its configuration. Data are disposable: durability is switched
off for speed. ``halt()`` / ``resume()`` stop and restart a server on the
same data and port (a database outage). ``stop()`` (or leaving the ``with`` block, or the finalizer at
interpreter exit) ends the server's whole process group and removes the
directory; the parent-death signal ends it too if the caller is killed.

    with dbservers.start('postgresql') as server:
        engine = sqlalchemy.create_engine(server.url + '/postgres')
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref

BACKENDS = ('mysql', 'postgresql')
# The machine's own servers' ports: a private server must never take them.
SYSTEM_PORTS = (3306, 5432)
MAX_CONNECTIONS = 500   # 2 schedulers, 2 compute hosts, API, conductor, tests


class ServerError(RuntimeError):
    """A private server could not be set up or did not come up."""


def free_port():
    while True:
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        if port not in SYSTEM_PORTS:
            return port


def _which(names, extra_dirs=()):
    path = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin', '/sbin',
                            *extra_dirs])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def _tail(path, lines=30):
    try:
        with open(path, errors='replace') as src:
            return ''.join(src.readlines()[-lines:])
    except OSError:
        return '(no log)'


def _reap(proc, directory, shutdown_sig, timeout):
    """Shut the server down, kill what is left of its group, remove its
    files. Module-level (not a method) so the finalizer holds no ``self``."""
    if proc is not None:
        if proc.poll() is None:
            try:
                os.kill(proc.pid, shutdown_sig)
                proc.wait(timeout=timeout)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        # The leader's pid is the group id (start_new_session): stragglers
        # (PostgreSQL backends) go with it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    if directory:
        shutil.rmtree(directory, ignore_errors=True)


class _Server:
    backend = None
    package = None          # the Debian package that provides the binaries
    shutdown_sig = signal.SIGTERM
    death_sig = 'TERM'      # sent by the kernel if our process dies first

    def __init__(self):
        self.dir = None
        self.port = None
        self.proc = None
        self._finalizer = None

    # -- subclass hooks -----------------------------------------------------
    def _binaries(self):
        """{role: path} of the binaries needed, None where missing."""
        raise NotImplementedError

    def _initialise(self, bins):
        raise NotImplementedError

    def _command(self, bins):
        raise NotImplementedError

    def _ping(self):
        raise NotImplementedError

    def _run_as(self):
        """A system user to run the server as (root may not), or None."""
        return None

    # -- common -------------------------------------------------------------
    @property
    def url(self):
        """SQLAlchemy URL of the server, without a database name."""
        raise NotImplementedError

    @property
    def admin_url(self):
        """URL of a database that always exists (to create others from)."""
        raise NotImplementedError

    @property
    def log_file(self):
        return os.path.join(self.dir, 'server.log')

    def _wrap(self, cmd, death_sig=None):
        """Run ``cmd`` as _run_as() and/or with a parent-death signal, via
        setpriv (util-linux), which execs in place: the pid stays the
        server's."""
        user = self._run_as()
        setpriv = _which(['setpriv'])
        if not setpriv or not (user or death_sig):
            if user:
                raise ServerError('setpriv (util-linux) is needed to run '
                                  'the %s server as %s' % (self.backend, user))
            return cmd
        opts = []
        if user:
            gid = pwd.getpwnam(user).pw_gid   # nobody's group is nogroup
            opts += ['--reuid', user, '--regid', str(gid), '--init-groups']
        if death_sig:
            opts += ['--pdeathsig', death_sig]
        return [setpriv, *opts, '--', *cmd]

    def _run(self, cmd, what):
        proc = subprocess.run(self._wrap(cmd), cwd=self.dir, text=True,
                              capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise ServerError('%s failed for the private %s server:\n%s%s' % (
                what, self.backend, proc.stdout[-3000:], proc.stderr[-3000:]))

    def start(self, timeout=60):
        bins = self._binaries()
        missing = sorted(role for role, path in bins.items() if not path)
        if missing:
            raise ServerError(
                'cannot start a private %s server: %s not found; install the '
                'Debian package %s (`make deps` does)' % (
                    self.backend, ', '.join(missing), self.package))
        self.dir = tempfile.mkdtemp(prefix='novalite-%s-' % self.backend)
        self._finalizer = weakref.finalize(self, _reap, None, self.dir,
                                           self.shutdown_sig, 5)
        try:
            user = self._run_as()
            if user:
                entry = pwd.getpwnam(user)
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._initialise(bins)
            # The free port can be taken before the server binds it: retry.
            for attempt in range(3):
                self._spawn(bins)
                try:
                    self._wait(timeout)
                    return self
                except ServerError:
                    if attempt == 2 or 'in use' not in _tail(
                            self.log_file, 5).lower():
                        raise
                    _reap(self.proc, None, signal.SIGKILL, 5)
        except BaseException:
            self.stop()
            raise
        return self   # not reached

    def _spawn(self, bins, port=None):
        self.port = port or free_port()
        log = open(self.log_file, 'ab')
        self.proc = subprocess.Popen(
            self._wrap(self._command(bins), self.death_sig),
            cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self._finalizer.detach()
        self._finalizer = weakref.finalize(
            self, _reap, self.proc, self.dir, self.shutdown_sig, 30)

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    'the private %s server exited with %s:\n%s' % (
                        self.backend, self.proc.returncode,
                        _tail(self.log_file)))
            try:
                self._ping()
                return
            except Exception as exc:  # noqa: BLE001 -- not up yet
                error = exc
            time.sleep(0.05)
        raise ServerError('the private %s server did not answer on port %d '
                          'within %ss (%s):\n%s' % (
                              self.backend, self.port, timeout, error,
                              _tail(self.log_file)))

    def halt(self, timeout=30):
        """Shut the server down but keep its data and port: a database
        outage for the tests, ended by ``resume()``."""
        if self.running:
            _reap(self.proc, None, self.shutdown_sig, timeout)

    def resume(self, timeout=60):
        """Start a halted server again on the same data and port."""
        if self.running:
            return self
        self._spawn(self._binaries(), port=self.port)
        self._wait(timeout)
        return self

    def stop(self):
        """Stop the server and remove its directory; safe to call twice."""
        if self._finalizer is not None:
            self._finalizer()
        self.proc = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return '<private %s server on 127.0.0.1:%s in %s>' % (
            self.backend, self.port, self.dir)


class MariaDB(_Server):
    backend = 'mysql'
    package = 'mariadb-server'

    @property
    def url(self):
        return 'mysql+pymysql://root@127.0.0.1:%d' % self.port

    @property
    def admin_url(self):
        return self.url + '/mysql'

    def _binaries(self):
        return {'mariadbd': _which(['mariadbd', 'mysqld'],
                                   ['/usr/libexec']),
                'mariadb-install-db': _which(['mariadb-install-db',
                                              'mysql_install_db'])}

    def _root_args(self):
        # mariadbd refuses root unless told; runs as the caller otherwise.
        return ['--user=root'] if os.geteuid() == 0 else []

    def _tuning(self):
        # Disposable data: no durability, no binlog, small footprint; utf8mb4
        # as Debian's packaged configuration has it (--no-defaults skips it).
        return ['--skip-log-bin', '--skip-name-resolve',
                '--innodb-flush-log-at-trx-commit=0',
                '--innodb-doublewrite=0', '--innodb-flush-method=nosync',
                '--innodb-log-file-size=16M',
                '--innodb-buffer-pool-size=64M',
                '--character-set-server=utf8mb4',
                '--collation-server=utf8mb4_general_ci']

    def _initialise(self, bins):
        # "normal" root authentication: root with an empty password, also
        # over TCP from 127.0.0.1, which is how the cloud connects.
        self._run([bins['mariadb-install-db'], '--no-defaults',
                   '--datadir=' + os.path.join(self.dir, 'data'),
                   '--auth-root-authentication-method=normal',
                   '--skip-test-db', *self._root_args(), *self._tuning()],
                  'mariadb-install-db')

    def _command(self, bins):
        return [bins['mariadbd'], '--no-defaults', *self._root_args(),
                '--datadir=' + os.path.join(self.dir, 'data'),
                '--socket=' + os.path.join(self.dir, 'mysqld.sock'),
                '--pid-file=' + os.path.join(self.dir, 'mysqld.pid'),
                '--tmpdir=' + self.dir,
                '--port=%d' % self.port, '--bind-address=127.0.0.1',
                '--max-connections=%d' % MAX_CONNECTIONS, *self._tuning()]

    def _ping(self):
        import pymysql
        conn = pymysql.connect(host='127.0.0.1', port=self.port, user='root',
                               connect_timeout=2)
        conn.close()


class PostgreSQL(_Server):
    backend = 'postgresql'
    package = 'postgresql'
    shutdown_sig = signal.SIGINT     # "fast": ends the open sessions
    death_sig = 'QUIT'               # "immediate": nobody left to wait for

    @property
    def url(self):
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d' % self.port

    @property
    def admin_url(self):
        return self.url + '/postgres'

    def _binaries(self):
        # Debian keeps them out of PATH, one directory per major version.
        versions = sorted(
            glob.glob('/usr/lib/postgresql/*/bin'),
            key=lambda d: [int(p) for p in d.split('/')[-2].split('.')
                           if p.isdigit()])[::-1]
        return {name: _which([name], versions)
                for name in ('initdb', 'postgres')}

    def _run_as(self):
        # PostgreSQL refuses to run as root.
        if os.geteuid() != 0:
            return None
        for user in ('postgres', 'nobody'):
            try:
                pwd.getpwnam(user)
                return user
            except KeyError:
                continue
        raise ServerError('running as root and there is no postgres or '
                          'nobody user to run the private PostgreSQL as')

    def _initialise(self, bins):
        self._run([bins['initdb'], '-D', os.path.join(self.dir, 'data'),
                   '-U', 'postgres', '--auth=trust', '--no-sync',
                   '--encoding=UTF8', '--locale=C.UTF-8'], 'initdb')

    def _command(self, bins):
        settings = {
            'listen_addresses': '127.0.0.1',
            'unix_socket_directories': self.dir,
            'max_connections': str(MAX_CONNECTIONS),
            # Disposable data: never wait for the disk.
            'fsync': 'off', 'synchronous_commit': 'off',
            'full_page_writes': 'off',
        }
        cmd = [bins['postgres'], '-D', os.path.join(self.dir, 'data'),
               '-p', str(self.port)]
        for key, value in settings.items():
            cmd += ['-c', '%s=%s' % (key, value)]
        return cmd

    def _ping(self):
        import psycopg2
        conn = psycopg2.connect(host='127.0.0.1', port=self.port,
                                user='postgres', dbname='postgres',
                                connect_timeout=2)
        conn.close()


SERVERS = {'mysql': MariaDB, 'postgresql': PostgreSQL}


def start(backend, timeout=60):
    """A started private server for ``backend`` ('mysql' or 'postgresql');
    raises ServerError with the reason when it cannot start."""
    try:
        cls = SERVERS[backend]
    except KeyError:
        raise ValueError('no private server for backend %r (one of %s)' % (
            backend, ', '.join(BACKENDS))) from None
    return cls().start(timeout=timeout)


class Pool:
    """At most one server per backend, started on first use: a test session
    starts only the servers its tests need. ``close()`` stops them all."""

    def __init__(self):
        self._servers = {}

    def get(self, backend):
        server = self._servers.get(backend)
        if server is None or not server.running:
            server = self._servers[backend] = start(backend)
        return server

    def close(self):
        while self._servers:
            self._servers.popitem()[1].stop()
