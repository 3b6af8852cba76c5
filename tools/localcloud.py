"""A whole novalite cloud on this machine: config, database, RabbitMQ vhost
and the four services as separate OS processes. Used by `make run`, the
functional tests and the benchmarks, so all three run the same way."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import sqlalchemy

from novalite.tools import dbservers

SERVICES = ('conductor', 'scheduler', 'api')
RABBIT = 'rabbit://guest:guest@127.0.0.1:5672/'


def bin_path(name):
    """A console script of the interpreter's environment (the venv)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def rabbitmqctl(*args):
    proc = subprocess.run(['rabbitmqctl', *args], capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError('rabbitmqctl %s failed: %s' % (
            ' '.join(args), proc.stderr.strip() or proc.stdout.strip()))


def broker_sockets():
    """(sockets used, socket limit) of the local RabbitMQ, or None when
    rabbitmqctl cannot tell."""
    try:
        proc = subprocess.run(['rabbitmqctl', 'status', '--formatter',
                               'json'], capture_output=True, text=True,
                              timeout=60)
        fds = json.loads(proc.stdout)['file_descriptors']
        return fds['sockets_used'], fds['sockets_limit']
    except (OSError, ValueError, KeyError, TypeError,
            subprocess.SubprocessError):
        return None


# Connections of a cloud's services besides one per simulated host: the
# RPC client pools (up to rpc_conn_pool_size, 30, per process) and replies.
BROKER_MARGIN = 150


class Database:
    """A database for one cloud: a SQLite file, or a fresh database on a
    MariaDB / PostgreSQL server (a private one: tools/dbservers.py), dropped
    again by ``drop()``.

    :param server_url: the server's SQLAlchemy URL without a database name,
        e.g. ``dbservers.start('mysql').url``; required unless SQLite.
    """

    # A database that always exists, to create and drop the others from.
    ADMIN_DB = {'mysql': 'mysql', 'postgresql': 'postgres'}

    def __init__(self, backend, state_dir, name=None, server_url=None):
        self.backend = backend
        self.name = name or 'novalite_%s' % uuid.uuid4().hex[:10]
        self.server_url = server_url
        if backend == 'sqlite':
            self.url = 'sqlite:///' + os.path.join(state_dir,
                                                   'novalite.sqlite')
        elif not server_url:
            raise ValueError('a %s database needs the server_url of a '
                             'server (tools/dbservers.py starts one)'
                             % backend)
        else:
            self.url = '%s/%s' % (server_url, self.name)

    def _admin_engine(self):
        return sqlalchemy.create_engine(
            '%s/%s' % (self.server_url, self.ADMIN_DB[self.backend]),
            isolation_level='AUTOCOMMIT')

    def create(self):
        if self.backend == 'sqlite':
            return
        try:
            engine = self._admin_engine()
            with engine.connect() as conn:
                conn.exec_driver_sql('CREATE DATABASE %s' % self.name)
            engine.dispose()
        except sqlalchemy.exc.OperationalError as exc:
            raise RuntimeError('the %s server at %s is not reachable: %s' % (
                self.backend, self.server_url, exc)) from exc

    def drop(self):
        if self.backend == 'sqlite':
            return
        engine = self._admin_engine()
        with engine.connect() as conn:
            if self.backend == 'postgresql':
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = '%s'" % self.name)
            conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % self.name)
        engine.dispose()


class LocalCloud:
    """Config, processes and readiness of one local cloud in ``state_dir``."""

    def __init__(self, state_dir, db_url, compute_hosts=('compute1',),
                 api_port=None, vhost=None, schedulers=1,
                 libvirt_uri='test:///default', virt_type='qemu',
                 extra_conf=None, simulated_hosts=0, sim_prefix='sim',
                 sim_node=None):
        self.state_dir = os.path.abspath(state_dir)
        self.db_url = db_url
        self.compute_hosts = list(compute_hosts)
        # One more compute process running this many simulated hosts
        # (novalite-compute --simulate-hosts, compute/simulated.py), each
        # on a private libvirt test-driver node of ``sim_node`` ({"vcpus",
        # "memory_mb", "disk_gb"}).
        self.simulated_hosts = simulated_hosts
        self.sim_prefix = sim_prefix
        self.sim_node = dict(sim_node or {})
        # Extra schedulers (host schedulerN) share the topic: claims must
        # stay correct when several place instances at once.
        self.extra_schedulers = ['scheduler%d' % i
                                 for i in range(2, schedulers + 1)]
        self.api_port = api_port or free_port()
        self.vhost = vhost
        self.libvirt_uri = libvirt_uri
        self.virt_type = virt_type
        self.extra_conf = extra_conf or {}
        self.conf_file = os.path.join(self.state_dir, 'novalite.conf')
        self.log_dir = os.path.join(self.state_dir, 'logs')
        self.pid_dir = os.path.join(self.state_dir, 'pids')
        self.procs = {}

    @property
    def sim_host_names(self):
        if not self.simulated_hosts:
            return []
        from novalite.compute import simulated
        return simulated.host_names(self.sim_prefix, self.simulated_hosts)

    @property
    def all_compute_hosts(self):
        """Every compute host: one process each, then the simulated ones."""
        return self.compute_hosts + self.sim_host_names

    def sim_report_interval(self, report_interval):
        """The simulated hosts' heartbeat interval: at most ~100 beats a
        second from them all (each is a conductor call and a database
        write), never shorter than the cloud's."""
        return max(report_interval, -(-self.simulated_hosts // 100))

    @property
    def transport_url(self):
        return RABBIT + (self.vhost or '')

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%d' % self.api_port

    # -- set up ------------------------------------------------------------
    def write_config(self):
        for path in (self.state_dir, self.log_dir, self.pid_dir):
            os.makedirs(path, exist_ok=True)
        sections = {
            'DEFAULT': {'state_path': self.state_dir,
                        'transport_url': self.transport_url,
                        'report_interval': '2', 'service_down_time': '20',
                        'rpc_call_timeout': '30'},
            'database': {'connection': self.db_url},
            'api': {'port': str(self.api_port)},
            # The compute agents fetch images from this cloud's own API.
            'image': {'api_endpoint': self.endpoint + '/image'},
            'libvirt': {'connection_uri': self.libvirt_uri,
                        'virt_type': self.virt_type},
            'oslo_messaging_rabbit': {'heartbeat_timeout_threshold': '0'},
        }
        for group, values in self.extra_conf.items():
            sections.setdefault(group, {}).update(values)
        sim_conf = {}
        if self.simulated_hosts:
            base = sections['DEFAULT']
            beat = self.sim_report_interval(int(base['report_interval']))
            if beat != int(base['report_interval']):
                sim_conf['report_interval'] = str(beat)
            # Down only after three missed beats.
            base['service_down_time'] = str(max(
                int(base['service_down_time']), 3 * beat))
        with open(self.conf_file, 'w') as out:
            for group, values in sections.items():
                out.write('[%s]\n' % group)
                for key, value in values.items():
                    out.write('%s = %s\n' % (key, value))
                out.write('\n')
        for host in self.compute_hosts + self.extra_schedulers:
            with open(self._host_conf(host), 'w') as out:
                out.write('[DEFAULT]\nhost = %s\n' % host)
        if self.simulated_hosts:
            with open(self._host_conf(self.sim_prefix), 'w') as out:
                out.write('[DEFAULT]\nhost = %s\n' % self.sim_prefix)
                for key, value in sim_conf.items():
                    out.write('%s = %s\n' % (key, value))

    def _host_conf(self, host):
        return os.path.join(self.state_dir, 'host-%s.conf' % host)

    def ensure_vhost(self):
        if self.vhost:
            rabbitmqctl('add_vhost', self.vhost)
            rabbitmqctl('set_permissions', '-p', self.vhost, 'guest',
                        '.*', '.*', '.*')

    def delete_vhost(self):
        if self.vhost:
            rabbitmqctl('delete_vhost', self.vhost)

    def manage(self, *args):
        proc = subprocess.run(
            [bin_path('novalite-manage'), '--config-file', self.conf_file,
             *args], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError('novalite-manage %s failed:\n%s%s' % (
                ' '.join(args), proc.stdout, proc.stderr))
        return proc.stdout

    # -- processes -----------------------------------------------------------
    def _commands(self):
        base = ['--config-file', self.conf_file]
        cmds = {name: [bin_path('novalite-' + name)] + base
                for name in SERVICES}
        for host in self.extra_schedulers:
            cmds[host] = ([bin_path('novalite-scheduler')] + base
                          + ['--config-file', self._host_conf(host)])
        for host in self.compute_hosts:
            cmds['compute-' + host] = ([bin_path('novalite-compute')] + base
                                       + ['--config-file',
                                          self._host_conf(host)])
        if self.simulated_hosts:
            cmd = ([bin_path('novalite-compute')] + base
                   + ['--config-file', self._host_conf(self.sim_prefix),
                      '--simulate-hosts', str(self.simulated_hosts),
                      '--host-prefix', self.sim_prefix])
            for key in ('vcpus', 'memory_mb', 'disk_gb'):
                if key in self.sim_node:
                    cmd += ['--sim-%s' % key.replace('_', '-'),
                            str(self.sim_node[key])]
            cmds['compute-' + self.sim_prefix] = cmd
        return cmds

    def check_broker_capacity(self):
        """The simulated hosts share one RabbitMQ connection for serving
        (rpc.get_host_servers), but the process's clients open up to a
        pool's worth more while they report: refuse to start when the
        broker is nearly out of sockets. A RabbitMQ out of file
        descriptors does not just refuse connections: it can stop
        altogether, taking every cloud on it down."""
        found = broker_sockets()
        if found is None or not self.simulated_hosts:
            return
        used, limit = found
        if used + BROKER_MARGIN > limit:
            raise RuntimeError(
                'simulated hosts need up to %d RabbitMQ connections; the '
                'broker has %d of %d sockets in use. Close other clouds or '
                'raise its open-files limit (ulimit -n in '
                '/etc/default/rabbitmq-server; sockets are ~90%% of it)' % (
                    BROKER_MARGIN, used, limit))

    def start(self, names=None):
        """Start the services; the conductor first, as a deployment would
        (compute agents report to it as soon as they start)."""
        if self.simulated_hosts and (
                not names or 'compute-' + self.sim_prefix in names):
            self.check_broker_capacity()
        for name, cmd in self._commands().items():
            if names and name not in names:
                continue
            log = open(os.path.join(self.log_dir, name + '.log'), 'ab')
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            log.close()
            self.procs[name] = proc
            with open(os.path.join(self.pid_dir, name + '.pid'), 'w') as out:
                out.write(str(proc.pid))

    def pids(self):
        """Pids of this state dir's services, from the pid files."""
        found = {}
        if not os.path.isdir(self.pid_dir):
            return found
        for fname in os.listdir(self.pid_dir):
            with open(os.path.join(self.pid_dir, fname)) as src:
                pid = int(src.read().strip() or 0)
            if pid and _alive(pid):
                found[fname[:-4]] = pid
            else:
                os.unlink(os.path.join(self.pid_dir, fname))
        return found

    def stop(self, names=None, timeout=15):
        """SIGTERM (the services drain), then SIGKILL after ``timeout``."""
        targets = {n: p for n, p in self.pids().items()
                   if not names or n in names}
        for pid in targets.values():
            _signal(pid, signal.SIGTERM)
        deadline = time.time() + timeout
        for name, pid in targets.items():
            while _alive(pid) and time.time() < deadline:
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is not None:
                    break
                time.sleep(0.05)
            if _alive(pid):
                _signal(pid, signal.SIGKILL)
            if name in self.procs:
                self.procs.pop(name).wait(timeout=5)
            pidfile = os.path.join(self.pid_dir, name + '.pid')
            if os.path.exists(pidfile):
                os.unlink(pidfile)

    def logs(self, tail=40):
        out = []
        for fname in sorted(os.listdir(self.log_dir)):
            with open(os.path.join(self.log_dir, fname), errors='replace') as src:
                lines = src.readlines()[-tail:]
            out.append('==> %s <==\n%s' % (fname, ''.join(lines)))
        return '\n'.join(out)

    # -- readiness -------------------------------------------------------------
    def wait_ready(self, timeout=60):
        """Until the API answers and every service has beaten and every compute
        host has reported its node: then a boot can be scheduled."""
        engine = sqlalchemy.create_engine(self.db_url)
        want = {('novalite-conductor', None), ('novalite-scheduler', None),
                ('novalite-api', None)}
        hosts = self.all_compute_hosts
        want |= {('novalite-compute', h) for h in hosts}
        want |= {('novalite-scheduler', h) for h in self.extra_schedulers}
        deadline = time.time() + timeout
        missing = want
        try:
            while time.time() < deadline:
                self._check_running()
                with engine.connect() as conn:
                    rows = conn.exec_driver_sql(
                        'SELECT "binary", host FROM services'
                        if engine.dialect.name != 'mysql' else
                        'SELECT `binary`, host FROM services').fetchall()
                    nodes = {r[0] for r in conn.exec_driver_sql(
                        'SELECT host FROM compute_nodes').fetchall()}
                seen = {(b, h) for b, h in rows} | {(b, None) for b, _ in rows}
                missing = want - seen
                missing |= {('compute node', h) for h in hosts
                            if h not in nodes}
                if not missing and self._api_up():
                    return
                time.sleep(0.1)
        finally:
            engine.dispose()
        shown = sorted(map(str, missing))
        raise RuntimeError('cloud not ready after %ss, missing %s%s\n%s' % (
            timeout, shown[:20], ' and %d more' % (len(shown) - 20)
            if len(shown) > 20 else '', self.logs()))

    def _check_running(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError('service %s exited with %s\n%s' % (
                    name, proc.returncode, self.logs()))

    def _api_up(self):
        try:
            with urllib.request.urlopen(self.endpoint + '/', timeout=2) as rsp:
                return rsp.status in (200, 300)
        except OSError as exc:
            return getattr(exc, 'code', None) == 300

    # -- client configuration -----------------------------------------------------
    def cloud_config(self):
        """openstacksdk cloud dict: no auth, endpoints pointing at our API."""
        return {
            'auth_type': 'none',
            'compute_endpoint_override': self.endpoint + '/v2.1',
            'image_endpoint_override': self.endpoint + '/image',
            'network_endpoint_override': self.endpoint + '/network',
            # Only a version document is served there (noauth2): enough for
            # clients that build an identity client eagerly.
            'identity_endpoint_override': self.endpoint + '/identity/v3',
            'identity_api_version': '3',
            'region_name': 'RegionOne',
        }

    def write_clouds_yaml(self, path, name='novalite', entries=None):
        """Add or replace the ``name`` cloud (or every cloud of ``entries``,
        {name: config}) in a clouds.yaml (JSON is YAML)."""
        entries = entries or {name: self.cloud_config()}
        clouds = {}
        if os.path.exists(path):
            try:
                import yaml
                with open(path) as src:
                    clouds = yaml.safe_load(src) or {}
            except Exception:  # noqa: BLE001 -- unreadable: start afresh
                clouds = {}
        clouds.setdefault('clouds', {}).update(entries)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as out:
            json.dump(clouds, out, indent=2)
            out.write('\n')


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as gone.
    try:
        with open('/proc/%d/stat' % pid) as src:
            return src.read().split(') ')[1][0] != 'Z'
    except OSError:
        return False


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def disposable_cloud(backend, state_dir, vhost_prefix='novalite-tmp',
                     on_teardown=None, db_server=None, **kwargs):
    """A running cloud on a fresh database and RabbitMQ vhost, all removed
    on exit: what the functional tests and the benchmarks run against.

    :param on_teardown: called after the services stop and before the vhost
        goes (e.g. to close the caller's own RPC transports to it).
    :param db_server: a running tools.dbservers server to create the
        MariaDB / PostgreSQL database on; without one a private server is
        started for this cloud alone (and stopped with it).
    """
    with contextlib.ExitStack() as stack:
        if backend != 'sqlite' and db_server is None:
            db_server = stack.enter_context(dbservers.start(backend))
        with _cloud_on(backend, state_dir, vhost_prefix, on_teardown,
                       db_server.url if db_server else None,
                       **kwargs) as cloud:
            yield cloud


@contextlib.contextmanager
def _cloud_on(backend, state_dir, vhost_prefix, on_teardown, server_url,
              **kwargs):
    database = Database(backend, state_dir, server_url=server_url)
    database.create()
    vhost = '%s-%s' % (vhost_prefix, uuid.uuid4().hex[:8])
    # Domain names unique to this cloud: another cloud on the same libvirtd
    # (or one a crashed run left defined) numbers its instances from 1 too.
    extra_conf = kwargs.pop('extra_conf', None) or {}
    extra_conf.setdefault('DEFAULT', {}).setdefault(
        'instance_name_template', vhost + '-%08x')
    # Tests and benchmarks boot more than Nova's default quota allows;
    # large but finite, so a runaway max_count is still refused.
    for resource, limit in (('instances', 1000), ('cores', 16000),
                            ('ram', 2 ** 31 - 1)):
        extra_conf.setdefault('quota', {}).setdefault(resource, str(limit))
    cloud = LocalCloud(state_dir, database.url, vhost=vhost,
                       extra_conf=extra_conf, **kwargs)
    cloud.write_config()
    cloud.ensure_vhost()
    try:
        cloud.manage('bootstrap')
        cloud.start()
        # Simulated hosts start ~16 at a time: allow for 1 000 of them.
        cloud.wait_ready(timeout=90 + 0.15 * cloud.simulated_hosts)
        yield cloud
    finally:
        cloud.stop()
        if on_teardown:
            on_teardown()
        cloud.delete_vhost()
        database.drop()
