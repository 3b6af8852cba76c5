"""[image] backend: where the compute API finds the images servers boot,
rebuild and snapshot from. For ``glance`` the API talks to a real Glance v2
HTTP API: here novalite's own image API served by a cheroot server in this
process (same database), with every request it gets recorded."""

import threading

from cheroot import wsgi
import pytest

from novalite.api import app as api_app
from novalite.api import image_api
from novalite.common.db import images
from novalite.common.db import instances
from novalite.common import states
from novalite.tests.unit.api import test_server_actions as actions_tests
from novalite.tests.unit.api import test_servers as servers_tests

# The RPC doubles of the server tests, as fixtures here too.
conductor = servers_tests.conductor
compute = actions_tests.compute


def test_image_size_cap_is_registered_with_glances_default(conf):
    assert conf.image.image_size_cap == 1024 ** 4


class _Recorder:
    def __init__(self, app):
        self.app = app
        self.requests = []

    def __call__(self, environ, start_response):
        self.requests.append((environ['REQUEST_METHOD'],
                              environ['PATH_INFO']))
        return self.app(environ, start_response)


@pytest.fixture
def glance(db):
    """A real HTTP image API; [image] backend = glance pointing at it."""
    app = _Recorder(api_app.setup_app(db))
    server = wsgi.Server(('127.0.0.1', 0), app, numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    port = server.bind_addr[1]
    db.set_override('backend', 'glance', group='image')
    db.set_override('api_endpoint', 'http://127.0.0.1:%d/image' % port,
                    group='image')
    yield app
    server.stop()
    db.clear_override('backend', group='image')
    db.clear_override('api_endpoint', group='image')


def _asked_glance(glance, image_id, method='GET'):
    return (method, '/image/v2/images/' + image_id) in glance.requests


def test_builtin_backend_reads_the_table(client, cloud, conductor, admin):
    assert client.post('/v2.1/servers', servers_tests._body(
        cloud)).status_code == 202


def test_create_looks_the_image_up_in_glance(client, cloud, conductor,
                                             admin, glance):
    rsp = client.post('/v2.1/servers', servers_tests._body(cloud))
    assert rsp.status_code == 202, rsp.data
    assert _asked_glance(glance, cloud['image']['id'])
    spec = instances.request_spec_get(admin, rsp.data['server']['id'])
    assert spec['image']['disk_format'] == 'qcow2'


def test_glance_visibility_applies(client, cloud, conductor, admin, glance):
    # p1's private image, asked for by bob of p2: Glance says 404.
    rsp = client.post('/v2.1/servers', servers_tests._body(cloud),
                      token='bob:p2')
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == (
        'Image %s could not be found.' % cloud['image']['id'])
    assert _asked_glance(glance, cloud['image']['id'])
    assert servers_tests._nothing_written(admin)


def test_image_fields_from_glance_are_checked_against_the_flavor(
        client, cloud, conductor, admin, glance):
    big = images.create(admin, {'name': 'big', 'status': 'active',
                                'visibility': 'public', 'min_ram': 4096,
                                'disk_format': 'raw',
                                'container_format': 'bare', 'size': 1})
    rsp = client.post('/v2.1/servers', servers_tests._body(
        cloud, imageRef=big['id']))
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == (
        "Flavor's memory is too small for requested image.")


def test_unreachable_glance_is_503_and_writes_nothing(client, cloud,
                                                      conductor, admin, db):
    db.set_override('backend', 'glance', group='image')
    db.set_override('api_endpoint', 'http://127.0.0.1:9/image',
                    group='image')
    try:
        rsp = client.post('/v2.1/servers', servers_tests._body(cloud))
    finally:
        db.clear_override('backend', group='image')
        db.clear_override('api_endpoint', group='image')
    assert rsp.status_code == 503
    assert rsp.data['serviceUnavailable']['message'] == image_api.UNAVAILABLE
    assert servers_tests._nothing_written(admin)


def test_rebuild_and_snapshot_go_to_glance(client, cloud, compute, admin,
                                           glance):
    inst = actions_tests._server(admin, cloud, vm_state=states.STOPPED)
    rsp = actions_tests._action(client, inst['uuid'], {'rebuild': {
        'imageRef': cloud['image']['id']}})
    assert rsp.status_code == 202, rsp.data
    assert _asked_glance(glance, cloud['image']['id'])
    compute.next_cast()
    instances.update(admin, inst['uuid'], {'task_state': None})
    rsp = actions_tests._action(client, inst['uuid'], {'createImage': {
        'name': 'snap'}})
    assert rsp.status_code == 202, rsp.data
    assert ('POST', '/image/v2/images') in glance.requests
    image_id = rsp.headers['Location'].rsplit('/', 1)[1]
    snap = images.get(admin, image_id)
    assert (snap['name'], snap['status'], snap['owner']) == (
        'snap', 'queued', 'p1')
    assert snap['properties']['instance_uuid'] == inst['uuid']
    assert compute.next_cast()[2] == {'image_id': image_id}
