"""The image API against stock clients: the openstack CLI and openstacksdk
upload, show, update, download and delete a real qcow2 unchanged, and two
projects see only what Glance's visibility rules let them (raw HTTP)."""

import hashlib
import json
import os
import subprocess
import uuid

import requests

from novalite.tests.functional import helpers

_PATCH = 'application/openstack-images-v2.1-json-patch'


def _qcow2(tmp_path, size='16M'):
    path = tmp_path / ('disk-%s.qcow2' % uuid.uuid4().hex[:6])
    subprocess.run(['qemu-img', 'create', '-f', 'qcow2', str(path), size],
                   check=True, capture_output=True)
    return path


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def _stored(cloud, image_id):
    return os.path.join(cloud.local.state_dir, 'images', image_id)


_openstack = helpers.openstack_cli


def test_openstack_cli_image_lifecycle(cloud, tmp_path):
    disk = _qcow2(tmp_path)
    name = 'cli-' + uuid.uuid4().hex[:8]
    created = _openstack(cloud, tmp_path, 'image', 'create', '--file',
                         str(disk), '--disk-format', 'qcow2',
                         '--container-format', 'bare', '--property',
                         'os_distro=debian', name)
    assert created['status'] == 'active'
    assert created['checksum'] == _md5(disk)
    assert created['size'] == disk.stat().st_size
    assert os.path.exists(_stored(cloud, created['id']))
    _openstack(cloud, tmp_path, 'image', 'set', '--property',
               'hw_disk_bus=virtio', '--min-ram', '64', name, output=False)
    shown = _openstack(cloud, tmp_path, 'image', 'show', name)
    assert shown['id'] == created['id']
    assert shown['disk_format'] == 'qcow2' and shown['min_ram'] == 64
    assert shown['properties']['os_distro'] == 'debian'
    assert shown['properties']['hw_disk_bus'] == 'virtio'
    assert shown['virtual_size'] == 16 * 1024 ** 2
    listed = _openstack(cloud, tmp_path, 'image', 'list')
    assert {'ID': created['id'], 'Name': name, 'Status': 'active'} in listed
    _openstack(cloud, tmp_path, 'image', 'delete', name, output=False)
    assert not os.path.exists(_stored(cloud, created['id']))
    listed = _openstack(cloud, tmp_path, 'image', 'list')
    assert created['id'] not in {i['ID'] for i in listed}


def test_openstacksdk_upload_update_download(cloud, tmp_path):
    conn = cloud.sdk
    disk = _qcow2(tmp_path, '8M')
    image = conn.image.create_image(
        name='sdk-' + uuid.uuid4().hex[:8], filename=str(disk),
        disk_format='qcow2', container_format='bare', wait=True,
        validate_checksum=True, tags=['sdk'], os_type='linux',
        build_note='nightly')
    try:
        assert image.status == 'active'
        assert (image.checksum, image.size) == (_md5(disk),
                                                disk.stat().st_size)
        assert image.hash_algo == 'sha512'
        assert image.hash_value == hashlib.sha512(
            disk.read_bytes()).hexdigest()
        assert image.virtual_size == 8 * 1024 ** 2
        got = conn.image.download_image(image)
        assert got.content == disk.read_bytes()
        out = tmp_path / 'downloaded'
        conn.image.download_image(image, output=str(out))
        assert out.read_bytes() == disk.read_bytes()
        conn.image.update_image(image, min_disk=1, hw_rng_model='virtio')
        conn.image.add_tag(image, 'gold')
        fetched = conn.image.get_image(image.id)
        assert fetched.min_disk == 1
        assert fetched.hw_rng_model == 'virtio'
        assert fetched.os_type == 'linux'
        assert fetched.properties['build_note'] == 'nightly'
        assert sorted(fetched.tags) == ['gold', 'sdk']
        assert [i.id for i in conn.image.images(tag='gold')] == [image.id]
        # openstacksdk follows Glance's `next` links page by page
        paged = {i.id for i in conn.image.images(limit=1)}
        assert {image.id, cloud.image_id} <= paged
    finally:
        conn.image.delete_image(image)
    assert conn.image.find_image(image.id) is None
    assert not os.path.exists(_stored(cloud, image.id))


class _Project:

    def __init__(self, cloud, token):
        self.base = cloud.endpoint + '/image/v2'
        self.token = token

    def __call__(self, method, path, **kw):
        headers = kw.pop('headers', {})
        headers['X-Auth-Token'] = self.token
        return requests.request(method, self.base + path, headers=headers,
                                timeout=30, **kw)

    def create(self, **body):
        body.setdefault('disk_format', 'raw')
        body.setdefault('container_format', 'bare')
        rsp = self('POST', '/images', json=body)
        assert rsp.status_code == 201, rsp.text
        return rsp.json()

    def ids(self, query=''):
        rsp = self('GET', '/images' + query)
        assert rsp.status_code == 200, rsp.text
        return {i['id'] for i in rsp.json()['images']}


def test_visibility_isolation_between_projects(cloud):
    alice, bob = _Project(cloud, 'alice:p1'), _Project(cloud, 'bob:p2')
    private = alice.create(name='alice-private', visibility='private')
    data = os.urandom(100 * 1024)
    put = alice('PUT', '/images/%s/file' % private['id'], data=data,
                headers={'Content-Type': 'application/octet-stream'})
    assert put.status_code == 204, put.text
    community = alice.create(name='alice-community', visibility='community')
    url = '/images/' + private['id']
    try:
        assert alice('GET', url + '/file').content == data
        for method, path in (('GET', url), ('GET', url + '/file'),
                             ('DELETE', url), ('PUT', url + '/tags/x')):
            assert bob(method, path).status_code == 404, (method, path)
        patch = bob('PATCH', url, data=json.dumps([
            {'op': 'replace', 'path': '/name', 'value': 'mine'}]),
            headers={'Content-Type': _PATCH})
        assert patch.status_code == 404
        assert private['id'] not in bob.ids('?visibility=all')
        assert {private['id'], community['id']} <= alice.ids()
        # community: anyone may show it; lists carry it only on request
        assert bob('GET', '/images/' + community['id']).status_code == 200
        assert community['id'] not in bob.ids()
        assert community['id'] in bob.ids('?visibility=community')
        assert bob('DELETE', '/images/' + community['id']).status_code == 403
        # only admins publicize (Glance's publicize_image rule)
        public = alice('PATCH', url, data=json.dumps([
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}]),
            headers={'Content-Type': _PATCH})
        assert public.status_code == 403
        assert cloud.image_id in bob.ids()
        assert alice('GET', url).json()['name'] == 'alice-private'
    finally:
        for image in (private, community):
            assert alice('DELETE', '/images/' + image['id']
                         ).status_code == 204
    assert not os.path.exists(_stored(cloud, private['id']))


def test_chunked_upload_is_streamed_and_checksummed(cloud):
    alice = _Project(cloud, 'alice:p1')
    image = alice.create(name='chunked')
    parts = [os.urandom(300 * 1024) for _ in range(4)]
    # A generator body makes requests send Transfer-Encoding: chunked.
    put = alice('PUT', '/images/%s/file' % image['id'],
                data=(p for p in parts),
                headers={'Content-Type': 'application/octet-stream'})
    assert put.status_code == 204, put.text
    shown = alice('GET', '/images/' + image['id']).json()
    data = b''.join(parts)
    assert (shown['status'], shown['size']) == ('active', len(data))
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    got = alice('GET', '/images/%s/file' % image['id'])
    assert got.headers['Content-MD5'] == shown['checksum']
    assert got.content == data
    assert alice('DELETE', '/images/' + image['id']).status_code == 204


def test_tempest_style_v20_patch_and_empty_id(cloud):
    """What tempest's image client does: PATCH with Glance's v2.0
    (draft-4) content type; show and delete an image with an empty id
    are 404s, not the list."""
    alice = _Project(cloud, 'alice:p1')
    image = alice.create(name='v20-patch', os_distro='debian')
    try:
        rsp = alice('PATCH', '/images/' + image['id'], data=json.dumps([
            {'replace': '/name', 'value': 'v20-renamed'},
            {'remove': '/os_distro'}]), headers={
            'Content-Type': 'application/openstack-images-v2.0-json-patch'})
        assert rsp.status_code == 200, rsp.text
        assert rsp.json()['name'] == 'v20-renamed'
        assert 'os_distro' not in alice('GET', '/images/' + image['id']
                                        ).json()
        for method in ('GET', 'DELETE'):
            assert alice(method, '/images/').status_code == 404, method
    finally:
        assert alice('DELETE', '/images/' + image['id']).status_code == 204
