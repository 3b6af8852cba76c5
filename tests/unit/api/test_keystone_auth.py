"""auth_strategy = keystone in-process: auth_token sits in front of
everything but the version documents, and the context is built from the
identity auth_token validated (its X-* headers), roles and admin-ness
included. The real-Keystone path is tests/functional/test_keystone.py."""

import json

import pytest
import webob

from novalite.api import app as api_app
from novalite.api import middleware


@pytest.fixture
def keystone_conf(conf):
    conf.set_override('auth_strategy', 'keystone', group='api')
    # auth_token registers [keystone_authtoken] on the conf it is given.
    api_app.setup_app(conf)
    conf.set_override('www_authenticate_uri', 'http://127.0.0.1:5/v3',
                      group='keystone_authtoken')
    yield conf
    conf.clear_override('auth_strategy', group='api')
    conf.clear_override('www_authenticate_uri', group='keystone_authtoken')


def _get(app, path, headers=None):
    req = webob.Request.blank(path)
    for key, value in (headers or {}).items():
        req.headers[key] = value
    return req.get_response(app)


@pytest.mark.parametrize('path', ['/', '/v2.1', '/image/versions'])
def test_version_documents_need_no_token(keystone_conf, path):
    app = api_app.setup_app(keystone_conf)
    assert _get(app, path).status_code in (200, 300)


@pytest.mark.parametrize('path', ['/v2.1/servers', '/v2.1/flavors',
                                  '/image/v2/images'])
def test_no_token_is_401_with_www_authenticate(keystone_conf, path):
    # A noauth2-style token means nothing to Keystone either way; without
    # any token auth_token answers without asking Keystone.
    app = api_app.setup_app(keystone_conf)
    resp = _get(app, path)
    assert resp.status_code == 401
    assert resp.headers['WWW-Authenticate'] == \
        'Keystone uri="http://127.0.0.1:5/v3"'


def _validated_headers(roles, project='p1'):
    """What auth_token adds to a request whose token it validated."""
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u1',
            'X-Project-Id': project, 'X-Roles': ','.join(roles),
            'X-User-Domain-Id': 'default', 'X-Project-Domain-Id': 'default',
            'X-Auth-Token': 'a-real-token',
            'X-Service-Catalog': json.dumps([{'type': 'compute'}])}


@pytest.mark.parametrize('roles, admin', [
    (['reader'], False), (['member', 'reader'], False),
    (['admin', 'member', 'reader'], True)])
def test_context_comes_from_the_validated_token(keystone_conf, roles, admin):
    seen = {}

    def inner(environ, start_response):
        seen['ctx'] = environ[middleware.CONTEXT_KEY]
        return webob.Response(json={})(environ, start_response)

    # The layer behind auth_token: it trusts auth_token's headers only.
    app = middleware.APIMiddleware(inner, keystone_conf)
    _get(app, '/v2.1/servers', _validated_headers(roles))
    ctx = seen['ctx']
    assert (ctx.user_id, ctx.project_id) == ('u1', 'p1')
    assert ctx.roles == roles
    assert ctx.is_admin is admin
    assert ctx.auth_token == 'a-real-token'
    assert ctx.service_catalog == [{'type': 'compute'}]
    # The token crosses RPC in the context (the compute agent fetches
    # images with it).
    assert ctx.to_dict()['auth_token'] == 'a-real-token'


def test_noauth2_style_token_gets_no_identity_under_keystone(keystone_conf):
    seen = {}

    def inner(environ, start_response):
        seen['ctx'] = environ[middleware.CONTEXT_KEY]
        return webob.Response(json={})(environ, start_response)

    app = middleware.APIMiddleware(inner, keystone_conf)
    _get(app, '/v2.1', {'X-Auth-Token': 'admin:admin'})
    assert not seen['ctx'].is_admin
    assert seen['ctx'].user_id is None
