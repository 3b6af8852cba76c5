"""A real cloud per database backend: the four services as separate OS
processes (two compute agents, libvirt test:///default), RabbitMQ on its own
vhost, and a fresh SQLite / MariaDB / PostgreSQL database; MariaDB and
PostgreSQL are private servers the session starts (tests/conftest.py), never
the machine's. A backend server that cannot start fails the tests with a
clear message."""

import os

import openstack
import pytest
import requests
import sqlalchemy

from novalite.common import rpc
from novalite.tests.functional import helpers
from novalite.tools import localcloud

BACKENDS = ('sqlite', 'mysql', 'postgresql')
# `make test` runs every module on SQLite and the modules that set
# ``ALL_BACKENDS = True`` (boot, scheduling races, database outage) on all
# three; NOVALITE_BACKENDS=sqlite,mysql,postgresql (`make functional-all`)
# runs every module on each.
DEFAULT_BACKENDS = tuple(os.environ.get('NOVALITE_BACKENDS', 'sqlite')
                         .split(','))
COMPUTE_HOSTS = ('compute1', 'compute2')


class Cloud:
    """What a test needs of a running cloud."""

    def __init__(self, local, backend):
        self.local = local
        self.backend = backend
        self.endpoint = local.endpoint
        self.compute_url = local.endpoint + '/v2.1'
        self.engine = sqlalchemy.create_engine(local.db_url)
        self.sdk = openstack.connect(**local.cloud_config())
        self.image_id = None
        self.network_id = None

    def http(self, method, path, token='admin:admin', version=None, **kw):
        headers = kw.pop('headers', {})
        headers.setdefault('X-Auth-Token', token)
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        return requests.request(method, self.compute_url + path,
                                headers=headers, timeout=30, **kw)

    def count(self, sql):
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()

    def rows(self, sql):
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).fetchall()


def pytest_generate_tests(metafunc):
    if 'cloud' not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers('parametrize'):
        if marker.args and marker.args[0] == 'cloud':
            return      # the test names its backends itself
    backends = (BACKENDS if getattr(metafunc.module, 'ALL_BACKENDS', False)
                else DEFAULT_BACKENDS)
    metafunc.parametrize('cloud', backends, indirect=True, scope='session')


@pytest.fixture(scope='session')
def cloud(request, tmp_path_factory, db_servers):
    backend = request.param
    state = str(tmp_path_factory.mktemp('cloud-' + backend))
    with localcloud.disposable_cloud(
            backend, state, vhost_prefix='novalite-test',
            db_server=None if backend == 'sqlite' else db_servers(backend),
            compute_hosts=COMPUTE_HOSTS, schedulers=2,
            # The test process's own RPC clients (helpers.compute_api)
            # would keep reconnecting to the vhost about to disappear.
            on_teardown=rpc.cleanup,
            # Short, so a stopped compute agent is seen down within a test.
            extra_conf={'DEFAULT': {
                'report_interval': helpers.REPORT_INTERVAL,
                'service_down_time': helpers.SERVICE_DOWN_TIME},
                # Recovery within a test's wait (a boot that met a
                # database outage with every host looking down is retried
                # after grace + interval; grace must exceed
                # rpc_call_timeout, 30 s here).
                'conductor': {'build_recovery_interval': 5,
                              'build_recovery_grace': 35}}) as local:
        cloud = Cloud(local, backend)
        _seed(cloud, state)
        yield cloud
        cloud.engine.dispose()


def _seed(cloud, state):
    """An active image and the default network, as `make run` has them."""
    path = os.path.join(state, 'seed.img')
    with open(path, 'wb') as out:
        out.write(os.urandom(64 * 1024))
    image = cloud.sdk.image.create_image(
        name='func-image', filename=path, disk_format='raw',
        container_format='bare', visibility='public', wait=True)
    cloud.image_id = image.id
    nets = cloud.http('GET', '/os-networks').json()['networks']
    cloud.network_id = nets[0]['id']
