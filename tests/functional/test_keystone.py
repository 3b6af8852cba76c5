"""novalite behind a real Keystone (tools/keystone.py, as `make run
AUTH=keystone`): tokens are validated by keystonemiddleware, the context
comes from them, projects are isolated, Keystone being down is a 503, and
the token is neither logged nor stored."""

import io
import os
import time
import uuid

import pytest
import requests

from novalite.tests.functional import keystone_cloud


@pytest.fixture(scope='module')
def kcloud(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('keystone-cloud'))
    with keystone_cloud.keystone_cloud(state) as cloud:
        admin = cloud.sdk('admin')
        image = admin.image.create_image(
            name='ks-image', data=io.BytesIO(os.urandom(64 * 1024)),
            disk_format='raw', container_format='bare', visibility='public',
            wait=True)
        cloud.image_id = image.id
        cloud.network_id = cloud.http('GET', '/os-networks', 'member').json(
            )['networks'][0]['id']
        yield cloud


def _boot(cloud, persona, name):
    rsp = cloud.http('POST', '/servers', persona, json={'server': {
        'name': name, 'imageRef': cloud.image_id, 'flavorRef': '1',
        'networks': [{'uuid': cloud.network_id}]}})
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        server = cloud.http('GET', '/servers/' + server_id, persona).json(
            )['server']
        if server['status'] != 'BUILD':
            return server
        time.sleep(0.2)
    raise AssertionError('server %s still BUILD' % server_id)


def test_no_token_is_401_naming_keystone(kcloud):
    rsp = requests.get(kcloud.compute_url + '/servers', timeout=10)
    assert rsp.status_code == 401
    assert rsp.headers['WWW-Authenticate'] == \
        'Keystone uri="%s"' % kcloud.keystone.auth_url


@pytest.mark.parametrize('token', [
    'admin:admin',                               # noauth2 means nothing here
    'gAAAAAB' + uuid.uuid4().hex * 3,            # forged fernet-looking token
])
def test_forged_token_is_401(kcloud, token):
    rsp = requests.get(kcloud.compute_url + '/servers', timeout=10,
                       headers={'X-Auth-Token': token})
    assert rsp.status_code == 401, rsp.text


def test_revoked_token_is_401(kcloud):
    sdk = kcloud.sdk('member')
    token = sdk.identity.post('/auth/tokens', json={'auth': {
        'identity': {'methods': ['token'],
                     'token': {'id': sdk.auth_token}}}}).headers[
        'X-Subject-Token']
    sdk.identity.delete('/auth/tokens', headers={'X-Subject-Token': token})
    rsp = requests.get(kcloud.compute_url + '/servers', timeout=10,
                       headers={'X-Auth-Token': token})
    assert rsp.status_code == 401, rsp.text


def test_projects_are_isolated_and_personas_apply(kcloud):
    server = _boot(kcloud, 'member', 'ks-demo-server')
    assert server['status'] == 'ACTIVE', server
    assert server['tenant_id'] == kcloud.project_id('member')
    assert server['user_id'] == kcloud.sdk('member').current_user_id
    path = '/servers/' + server['id']
    # The other project neither sees nor touches it.
    assert kcloud.http('GET', path, 'other').status_code == 404
    names = [s['name'] for s in kcloud.http('GET', '/servers',
                                            'other').json()['servers']]
    assert 'ks-demo-server' not in names
    assert kcloud.http('DELETE', path, 'other').status_code == 404
    # The project's reader sees it but cannot change it.
    assert kcloud.http('GET', path, 'reader').status_code == 200
    rsp = kcloud.http('DELETE', path, 'reader')
    assert rsp.status_code == 403
    assert "Policy doesn't allow os_compute_api:servers:delete" in rsp.text
    # The admin sees every project's servers with all_tenants.
    rsp = kcloud.http('GET', '/servers?all_tenants=1', 'admin')
    assert server['id'] in [s['id'] for s in rsp.json()['servers']]
    assert kcloud.http('DELETE', path, 'member').status_code == 204


def test_keystone_down_is_503_not_500(kcloud):
    # A token auth_token has not validated (and cached) yet.
    fresh = keystone_cloud.openstack.connect(
        **kcloud.configs['novalite-demo']).auth_token
    kcloud.keystone.stop()
    try:
        rsp = requests.get(kcloud.compute_url + '/servers', timeout=60,
                           headers={'X-Auth-Token': fresh})
        assert rsp.status_code == 503, rsp.text
        assert rsp.json()['serviceUnavailable']['code'] == 503
    finally:
        kcloud.keystone.start()
    rsp = requests.get(kcloud.compute_url + '/servers', timeout=60,
                       headers={'X-Auth-Token': fresh})
    assert rsp.status_code == 200, rsp.text


def test_token_is_neither_logged_nor_stored(kcloud):
    server = _boot(kcloud, 'member', 'ks-token-check')
    token = kcloud.token('member').encode()
    local = kcloud.local
    leaks = []
    for root, _dirs, files in os.walk(local.state_dir):
        for name in files:
            with open(os.path.join(root, name), 'rb') as src:
                if token in src.read():
                    leaks.append(os.path.join(root, name))
    assert leaks == []
    kcloud.http('DELETE', '/servers/' + server['id'], 'member')
