"""One request id through every service's log, and no secret in any log.

A cloud with ``debug = True`` boots one server with a client-chosen
``X-OpenStack-Request-ID``, a known adminPass, user_data and token; the id
must appear in the API, conductor, scheduler and compute logs, and the
secrets (user_data also base64-encoded, as it travels) in none of them."""

import base64
import os
import time
import uuid

import pytest
import requests

from novalite.common import rpc
from novalite.tools import localcloud

SECRET = uuid.uuid4().hex
ADMIN_PASS = 'AdminPass-' + SECRET
USER_DATA = '#cloud-config\n# UserData-%s\n' % SECRET
TOKEN = 'tokuser%s:tokproj%s' % (SECRET[:6], SECRET[6:12])


@pytest.fixture(scope='module')
def debug_cloud(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('cloud-request-ids'))
    with localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-rid',
            compute_hosts=('compute1',), on_teardown=rpc.cleanup,
            extra_conf={'DEFAULT': {'debug': 'True'}}) as cloud:
        yield cloud


def _image(cloud):
    headers = {'X-Auth-Token': 'admin:admin'}
    rsp = requests.post(cloud.endpoint + '/image/v2/images', json={
        'name': 'rid-image', 'disk_format': 'raw',
        'container_format': 'bare', 'visibility': 'public'},
        headers=headers, timeout=30)
    assert rsp.status_code == 201, rsp.text
    image_id = rsp.json()['id']
    rsp = requests.put(
        cloud.endpoint + '/image/v2/images/%s/file' % image_id,
        data=os.urandom(64 * 1024), timeout=30, headers=dict(
            headers, **{'Content-Type': 'application/octet-stream'}))
    assert rsp.status_code == 204, rsp.text
    return image_id


def _logs(cloud):
    texts = {}
    for name in sorted(os.listdir(cloud.log_dir)):
        with open(os.path.join(cloud.log_dir, name), errors='replace') as src:
            texts[name] = src.read()
    return texts


def test_one_boot_one_request_id_no_secrets(debug_cloud):
    cloud = debug_cloud
    image_id = _image(cloud)
    global_id = 'req-%s' % uuid.uuid4()
    rsp = requests.post(cloud.endpoint + '/v2.1/servers', timeout=30, json={
        'server': {'name': 'rid', 'imageRef': image_id, 'flavorRef': '1',
                   'adminPass': ADMIN_PASS,
                   'user_data': base64.b64encode(
                       USER_DATA.encode()).decode(),
                   'networks': [{'uuid': _net(cloud)}]}},
        headers={'X-Auth-Token': TOKEN,
                 'X-OpenStack-Request-ID': global_id})
    assert rsp.status_code == 202, rsp.text
    local_id = rsp.headers['x-openstack-request-id']
    assert local_id.startswith('req-') and local_id != global_id
    server_id = rsp.json()['server']['id']
    _wait_active(cloud, server_id)
    # The compute agent's last records reach its log after the API
    # shows ACTIVE: give it a moment.
    time.sleep(1)

    logs = _logs(cloud)
    for name in ('api.log', 'conductor.log', 'scheduler.log',
                 'compute-compute1.log'):
        lines = [l for l in logs[name].splitlines() if global_id in l]
        assert lines, '%s never logs %s:\n%s' % (
            name, global_id, logs[name][-3000:])
        # Each of those lines carries this request's own id as well.
        assert all('req-' in l.replace(global_id, '') for l in lines), lines
    assert any(local_id in l for l in logs['api.log'].splitlines()
               if global_id in l)

    encoded = base64.b64encode(USER_DATA.encode()).decode()
    for name, text in logs.items():
        for secret in (SECRET, ADMIN_PASS, encoded, TOKEN):
            assert secret not in text, '%s logs a secret: %s' % (
                name, [l for l in text.splitlines() if secret in l][:3])


def _net(cloud):
    rsp = requests.get(cloud.endpoint + '/v2.1/os-networks', timeout=30,
                       headers={'X-Auth-Token': 'admin:admin'})
    return rsp.json()['networks'][0]['id']


def _wait_active(cloud, server_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = requests.get(
            cloud.endpoint + '/v2.1/servers/%s' % server_id, timeout=30,
            headers={'X-Auth-Token': TOKEN}).json()['server']
        if server['status'] in ('ACTIVE', 'ERROR'):
            assert server['status'] == 'ACTIVE', server
            return
        time.sleep(0.2)
    raise AssertionError('server %s not ACTIVE' % server_id)
