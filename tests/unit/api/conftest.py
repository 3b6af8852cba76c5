"""Drive the real WSGI app in-process with webob, on the unit SQLite db."""

import json

import pytest
import webob

from novalite.api import app as api_app
from novalite.common import context as nl_context
from novalite.common.db import flavors
from novalite.common.db import images
from novalite.common.db import networks


class Client:

    def __init__(self, app):
        self.app = app

    def request(self, method, path, body=None, token='alice:p1',
                version=None, headers=None, raw=None):
        req = webob.Request.blank(path, method=method)
        # As novaclient and openstacksdk do, on every request (a handler
        # without a JSON template would answer it 406).
        req.headers['Accept'] = 'application/json'
        if token is not None:
            req.headers['X-Auth-Token'] = token
        if version is not None:
            req.headers['OpenStack-API-Version'] = 'compute %s' % version
        if raw is not None:
            req.body = raw
            req.content_type = 'application/octet-stream'
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        for key, value in (headers or {}).items():
            req.headers[key] = value
        resp = req.get_response(self.app)
        resp.data = (json.loads(resp.body)
                     if resp.content_type == 'application/json'
                     and resp.body else None)
        return resp

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)


@pytest.fixture
def client(db):
    return Client(api_app.setup_app(db))


@pytest.fixture
def admin():
    return nl_context.get_admin_context()


@pytest.fixture
def cloud(db, admin):
    """Default flavors and network, and one active image owned by p1."""
    flavors.create_default_flavors(admin)
    net = networks.ensure_default(admin)
    img = images.create(nl_context.RequestContext(
        user_id='alice', project_id='p1'), {
        'name': 'cirros', 'status': 'active', 'disk_format': 'qcow2',
        'container_format': 'bare', 'size': 3})
    queued = images.create(nl_context.RequestContext(
        user_id='alice', project_id='p1'), {'name': 'empty'})
    return {'network': net, 'image': img, 'queued_image': queued}
