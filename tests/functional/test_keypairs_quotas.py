"""Key pairs, quotas and limits through stock clients (the openstack CLI,
openstacksdk) against a real cloud, and the quota race: two concurrent
boots for the last slot, exactly one accepted."""

import os
import subprocess
import threading
import uuid

import pytest

from novalite.tests.functional import helpers
from novalite.tools import tempest_schemas


_openstack = helpers.openstack_cli


def test_cli_keypair_create_list_show_delete(cloud, tmp_path):
    name = 'kq-cli-%s' % uuid.uuid4().hex[:6]
    created = _openstack(cloud, tmp_path, 'keypair', 'create', name,
                         '--private-key', str(tmp_path / 'id_rsa'))
    assert created['name'] == name and created['fingerprint']
    listed = _openstack(cloud, tmp_path, 'keypair', 'list')
    assert name in {k['Name'] for k in listed}
    shown = _openstack(cloud, tmp_path, 'keypair', 'show', name)
    assert shown['name'] == name
    assert shown['fingerprint'] == created['fingerprint']
    _openstack(cloud, tmp_path, 'keypair', 'delete', name, ok=None)
    assert name not in {k['Name'] for k in _openstack(
        cloud, tmp_path, 'keypair', 'list')}


def test_sdk_quota_set_and_limits(cloud):
    # Under noauth2 `openstack quota show` resolves the project through
    # Keystone and `openstack limits show` also asks block storage, which a
    # catalog-less cloud cannot answer: openstacksdk's compute proxy, which
    # those commands use underneath, is driven directly.
    shown = cloud.http('GET', '/os-quota-sets/admin').json()['quota_set']
    quota = cloud.sdk.compute.get_quota_set('admin')
    assert quota.instances == shown['instances']
    assert quota.key_pairs == shown['key_pairs']
    detail = cloud.sdk.compute.get_quota_set('admin', usage=True)
    assert detail.usage['instances'] >= 0
    limits = cloud.sdk.compute.get_limits(reserved=True)
    absolute = limits.absolute
    assert absolute.instances == shown['instances']
    assert absolute.keypairs == shown['key_pairs']
    assert absolute.server_meta == shown['metadata_items']
    assert absolute.instances_used is not None
    assert limits.rate == []


def test_cli_server_create_with_unknown_key_name(cloud, tmp_path):
    err = _openstack(cloud, tmp_path, 'server', 'create', '--image',
                     cloud.image_id, '--flavor', 'm1.nano', '--nic', 'none',
                     '--key-name', 'nosuchkey', 'kq-nokey', ok=False)
    assert 'Invalid key_name provided.' in err and '400' in err, err


def test_sdk_keypair_boot_shows_key_name(cloud):
    conn = cloud.sdk
    kp = conn.compute.create_keypair(name='kq-sdk-%s' % uuid.uuid4().hex[:6])
    try:
        server = conn.compute.create_server(
            name='kq-key', image_id=cloud.image_id, flavor_id='42',
            networks=[{'uuid': cloud.network_id}], key_name=kp.name)
        helpers.wait_status(cloud, server.id, 'ACTIVE')
        assert conn.compute.get_server(server.id).key_name == kp.name
        conn.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)
    finally:
        conn.compute.delete_keypair(kp)


def test_two_concurrent_boots_for_the_last_slot(cloud):
    """instances=1: of two boots racing for the slot exactly one is
    accepted, the other is a 403, in every round."""
    project = 'race%s' % uuid.uuid4().hex[:6]
    token = 'racer:%s' % project
    rsp = cloud.http('PUT', '/os-quota-sets/' + project,
                     json={'quota_set': {'instances': 1}})
    assert rsp.status_code == 200, rsp.text
    body = {'server': {'name': 'race', 'imageRef': cloud.image_id,
                       'flavorRef': '42', 'networks': 'none'}}
    for _round in range(4):
        barrier = threading.Barrier(2)
        results = []

        def boot():
            barrier.wait()
            results.append(cloud.http('POST', '/servers', token=token,
                                      version='2.37', json=body))

        threads = [threading.Thread(target=boot) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results)
        assert codes == [202, 403], [r.text for r in results]
        refused = [r for r in results if r.status_code == 403][0]
        assert refused.json()['forbidden']['message'] == (
            'Quota exceeded for instances: Requested 1, but already used '
            '1 of 1 instances')
        listed = cloud.http('GET', '/servers', token=token).json()
        assert len(listed['servers']) == 1
        server_id = [r for r in results if r.status_code == 202][0].json()[
            'server']['id']
        assert listed['servers'][0]['id'] == server_id
        assert cloud.http('DELETE', '/servers/' + server_id,
                          token=token).status_code == 204
        helpers.wait_gone(cloud, server_id)


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_tempest_schemas_keypairs_quotas_limits(cloud):
    """tempest's service clients and response schemas for key pairs,
    quota sets, quota classes and limits at every microversion (one
    backend: the shapes do not depend on it)."""
    script = os.path.join(tempest_schemas.REPO, 'tools',
                          'tempest_check_kq.py')
    proc = subprocess.run([tempest_schemas.ensure(), script,
                           cloud.endpoint, 'admin'],
                          capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert 'OK: ' in output
