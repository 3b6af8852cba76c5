import hashlib
import os
import subprocess

import pytest


PATCH = 'application/openstack-images-v2.1-json-patch'


def _create(client, token='alice:p1', **body):
    body.setdefault('name', 'cirros')
    body.setdefault('disk_format', 'qcow2')
    body.setdefault('container_format', 'bare')
    return client.post('/image/v2/images', body, token=token)


def _patch(client, image_id, ops, token='alice:p1', ctype=PATCH):
    return client.request('PATCH', '/image/v2/images/' + image_id, ops,
                          token=token, headers={'Content-Type': ctype})


def _upload(client, image_id, data, token='alice:p1'):
    return client.request('PUT', '/image/v2/images/%s/file' % image_id,
                          raw=data, token=token)


def _stored(db):
    path = db.image.store_path
    return os.listdir(path) if os.path.isdir(path) else []


def _ids(client, query='', token='alice:p1'):
    resp = client.get('/image/v2/images' + query, token=token)
    assert resp.status_code == 200, resp.body
    return [i['id'] for i in resp.data['images']]


def test_versions_document(client):
    resp = client.get('/image/versions')
    current = [v for v in resp.data['versions'] if v['status'] == 'CURRENT']
    assert current[0]['links'][0]['href'] == 'http://localhost/image/v2/'
    assert client.get('/image').status_code == 300


def test_create_upload_download_delete(client, db):
    resp = _create(client, hw_disk_bus='virtio')
    assert resp.status_code == 201
    img = resp.data
    assert (img['status'], img['visibility'], img['owner']) == (
        'queued', 'shared', 'p1')
    assert img['hw_disk_bus'] == 'virtio' and img['os_hidden'] is False
    assert img['self'] == '/v2/images/' + img['id']
    assert resp.headers['Location'].endswith('/v2/images/' + img['id'])
    path = '/image/v2/images/%s/file' % img['id']
    assert client.get(path).status_code == 204   # no data yet
    data = os.urandom(200 * 1024)
    assert _upload(client, img['id'], data).status_code == 204
    shown = client.get('/image/v2/images/' + img['id']).data
    assert shown['status'] == 'active' and shown['size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_algo'] == 'sha512'
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()
    got = client.get(path)
    assert got.status_code == 200 and got.body == data
    assert got.headers['Content-MD5'] == shown['checksum']
    stored = os.path.join(db.image.store_path, img['id'])
    assert os.path.exists(stored)
    # a second upload is refused: the image is no longer queued
    assert _upload(client, img['id'], b'x').status_code == 409
    assert client.delete('/image/v2/images/' + img['id']).status_code == 204
    assert not os.path.exists(stored)
    assert client.get('/image/v2/images/' + img['id']).status_code == 404


def test_upload_records_qcow2_virtual_size(client, tmp_path):
    disk = tmp_path / 'disk.qcow2'
    subprocess.run(['qemu-img', 'create', '-f', 'qcow2', str(disk), '5M'],
                   check=True, capture_output=True)
    img = _create(client).data
    assert _upload(client, img['id'], disk.read_bytes()).status_code == 204
    shown = client.get('/image/v2/images/' + img['id']).data
    assert shown['virtual_size'] == 5 * 1024 * 1024
    assert shown['size'] == disk.stat().st_size


def test_upload_refusals_leave_the_image_queued(client, db):
    bare = client.post('/image/v2/images', {'name': 'no-format'}).data
    resp = _upload(client, bare['id'], b'data')
    assert resp.status_code == 400
    assert 'disk_format' in resp.data['badRequest']['message']
    img = _create(client).data
    wrong_type = client.request(
        'PUT', '/image/v2/images/%s/file' % img['id'], raw=b'data',
        headers={'Content-Type': 'application/json'})
    assert wrong_type.status_code == 415
    assert _upload(client, img['id'], b'x', token='bob:p2').status_code == 404
    # The registered [image] image_size_cap is what the store enforces.
    db.set_override('image_size_cap', 1000, group='image')
    try:
        assert _upload(client, img['id'],
                       os.urandom(4000)).status_code == 413
    finally:
        db.clear_override('image_size_cap', group='image')
    shown = client.get('/image/v2/images/' + img['id']).data
    assert shown['status'] == 'queued' and shown['size'] is None
    assert _stored(db) == []
    assert _upload(client, img['id'], b'small').status_code == 204


def test_create_validation(client):
    assert _create(client, disk_format='floppy').status_code == 400
    assert _create(client, container_format='tarball').status_code == 400
    assert _create(client, min_ram=-1).status_code == 400
    assert _create(client, hw_disk_bus=3).status_code == 400
    assert _create(client, kernel_id='not-a-uuid').status_code == 400
    assert _create(client, status='active').status_code == 403
    assert _create(client, checksum='abc').status_code == 403
    assert _create(client, os_glance_x='1').status_code == 403
    assert _create(client, owner='p2').status_code == 403
    assert _create(client, owner='p1').status_code == 201
    assert _create(client, token='admin:admin',
                   owner='p2').data['owner'] == 'p2'
    assert _create(client, visibility='public').status_code == 403
    assert _create(client, token='admin:admin',
                   visibility='public').status_code == 201
    img = _create(client, id='11111111-2222-3333-4444-555555555555')
    assert img.status_code == 201
    again = _create(client, id='11111111-2222-3333-4444-555555555555')
    assert again.status_code == 409


def test_json_patch_updates(client):
    img = _create(client, os_distro='debian', tags=['a']).data
    resp = _patch(client, img['id'], [
        {'op': 'replace', 'path': '/name', 'value': 'renamed'},
        {'op': 'add', 'path': '/hw_disk_bus', 'value': 'virtio'},
        {'op': 'replace', 'path': '/os_distro', 'value': 'ubuntu'},
        {'op': 'add', 'path': '/min_ram', 'value': 128},
        {'op': 'replace', 'path': '/disk_format', 'value': 'raw'},
        {'op': 'add', 'path': '/tags', 'value': ['b', 'c', 'b']},
        {'op': 'add', 'path': '/a~1b', 'value': 'slash'}])
    assert resp.status_code == 200, resp.body
    body = resp.data
    assert (body['name'], body['hw_disk_bus'], body['os_distro']) == (
        'renamed', 'virtio', 'ubuntu')
    assert body['min_ram'] == 128 and body['disk_format'] == 'raw'
    assert body['tags'] == ['b', 'c'] and body['a/b'] == 'slash'
    removed = _patch(client, img['id'], [
        {'op': 'remove', 'path': '/os_distro'}]).data
    assert 'os_distro' not in removed
    assert client.get('/image/v2/images/' + img['id']).data['name'] == \
        'renamed'


@pytest.mark.parametrize('ops,code', [
    ([{'op': 'replace', 'path': '/missing', 'value': 'x'}], 409),
    ([{'op': 'remove', 'path': '/missing'}], 409),
    ([{'op': 'remove', 'path': '/name'}], 403),
    ([{'op': 'replace', 'path': '/status', 'value': 'active'}], 403),
    ([{'op': 'replace', 'path': '/id', 'value': 'x'}], 403),
    ([{'op': 'replace', 'path': '/owner', 'value': 'p2'}], 403),
    ([{'op': 'replace', 'path': '/visibility', 'value': 'public'}], 403),
    ([{'op': 'replace', 'path': '/visibility', 'value': 'secret'}], 400),
    ([{'op': 'replace', 'path': '/min_disk', 'value': -1}], 400),
    ([{'op': 'replace', 'path': '/protected', 'value': 'yes'}], 400),
    ([{'op': 'move', 'path': '/name', 'value': 'x'}], 400),
    ([{'op': 'replace', 'path': 'name', 'value': 'x'}], 400),
    ([{'op': 'replace', 'path': '/a/b', 'value': 'x'}], 400),
    ([{'op': 'replace', 'path': '/name'}], 400),
    ({'op': 'replace'}, 400),
])
def test_json_patch_refusals_change_nothing(client, ops, code):
    img = _create(client, os_distro='debian').data
    resp = _patch(client, img['id'], [
        {'op': 'replace', 'path': '/name', 'value': 'changed'}] + ops
        if isinstance(ops, list) else ops)
    assert resp.status_code == code, resp.body
    assert client.get('/image/v2/images/' + img['id']).data['name'] == \
        'cirros'


PATCH_V20 = 'application/openstack-images-v2.0-json-patch'


def test_json_patch_v20_draft4_as_glance(client):
    # What tempest's image client sends: the op's member names the path.
    img = _create(client, os_distro='debian').data
    resp = _patch(client, img['id'], [
        {'replace': '/name', 'value': 'renamed'},
        {'add': '/hw_disk_bus', 'value': 'virtio'},
        {'remove': '/os_distro'}], ctype=PATCH_V20)
    assert resp.status_code == 200, resp.body
    assert resp.data['name'] == 'renamed'
    assert resp.data['hw_disk_bus'] == 'virtio'
    assert 'os_distro' not in resp.data
    # The same content type with a charset parameter.
    assert _patch(client, img['id'], [{'replace': '/name', 'value': 'again'}],
                  ctype=PATCH_V20 + '; charset=UTF-8').status_code == 200


@pytest.mark.parametrize('ops,message', [
    ([{'replace': '/name', 'add': '/x', 'value': 'v'}],
     'must contain only one member'),
    ([{'op': 'replace', 'path': '/name', 'value': 'v'}],
     'must contain exactly one member'),
    (['replace'], 'Operations must be JSON objects.'),
    ([{'replace': '/name'}], 'Operation "replace" requires a member named'),
    ([{'replace': 'name', 'value': 'v'}], 'does not start with "/"'),
    ([{'replace': '/missing', 'value': 'v'}], 'does not exist'),
])
def test_json_patch_v20_refusals(client, ops, message):
    img = _create(client).data
    resp = _patch(client, img['id'], ops, ctype=PATCH_V20)
    assert resp.status_code in (400, 409), resp.body
    assert message in str(resp.data)
    assert client.get('/image/v2/images/' + img['id']).data['name'] == \
        'cirros'


@pytest.mark.parametrize('method', ['GET', 'POST', 'PUT', 'PATCH',
                                    'DELETE'])
def test_empty_image_id_is_404_not_the_list(client, method):
    _create(client)
    resp = client.request(method, '/image/v2/images/',
                          [] if method == 'PATCH' else None,
                          headers={'Content-Type': PATCH} if
                          method == 'PATCH' else None)
    assert resp.status_code == 404, resp.body
    assert 'images' not in (resp.data or {})
    if method in ('PUT', 'PATCH', 'DELETE'):
        assert client.request(method, '/image/v2/images').status_code == 405


def test_json_patch_rules_by_state_and_owner(client):
    img = _create(client).data
    assert _patch(client, img['id'], [{'op': 'replace', 'path': '/name',
                                       'value': 'x'}],
                  ctype='application/json').status_code == 415
    _upload(client, img['id'], b'bits')
    late = _patch(client, img['id'], [
        {'op': 'replace', 'path': '/disk_format', 'value': 'raw'}])
    assert late.status_code == 403
    public = _create(client, token='admin:admin', visibility='public').data
    op = [{'op': 'replace', 'path': '/name', 'value': 'mine'}]
    assert _patch(client, public['id'], op).status_code == 403
    assert _patch(client, img['id'], op, token='bob:p2').status_code == 404
    assert _patch(client, img['id'], op,
                  token='admin:admin').status_code == 200


def test_tags(client):
    img = _create(client).data
    base = '/image/v2/images/%s/tags/' % img['id']
    assert client.request('PUT', base + 'gold').status_code == 204
    assert client.request('PUT', base + 'gold').status_code == 204
    assert client.request('PUT', base + 'v1.0').status_code == 204
    assert client.get('/image/v2/images/' + img['id']).data['tags'] == [
        'gold', 'v1.0']
    assert _ids(client, '?tag=gold') == [img['id']]
    assert _ids(client, '?tag=gold&tag=silver') == []
    assert client.delete(base + 'gold').status_code == 204
    assert client.delete(base + 'gold').status_code == 404
    assert client.request('PUT', base + 'x',
                          token='bob:p2').status_code == 404
    assert client.request('PUT', base + 'x' * 256).status_code == 400


def test_visibility_between_projects(client):
    mine = {v: _create(client, visibility=v, name=v).data['id']
            for v in ('private', 'shared', 'community')}
    public = _create(client, token='admin:admin', visibility='public',
                     name='public').data['id']
    theirs = _create(client, token='bob:p2', name='bobs').data['id']
    assert set(_ids(client)) == set(mine.values()) | {public}
    assert set(_ids(client, token='bob:p2')) == {public, theirs}
    assert _ids(client, '?visibility=community',
                token='bob:p2') == [mine['community']]
    assert _ids(client, '?visibility=private', token='bob:p2') == []
    for vis, image_id in mine.items():
        code = client.get('/image/v2/images/' + image_id,
                          token='bob:p2').status_code
        assert code == (200 if vis == 'community' else 404), vis
    assert len(_ids(client, token='admin:admin')) == 5
    assert client.get('/image/v2/images?visibility=bogus').status_code == 400


def test_hidden_images_listed_only_on_request(client):
    img = _create(client, os_hidden=True).data
    assert img['os_hidden'] is True
    other = _create(client, name='visible').data
    assert _ids(client) == [other['id']]
    assert _ids(client, '?os_hidden=true') == [img['id']]
    _patch(client, img['id'], [{'op': 'replace', 'path': '/os_hidden',
                                'value': False}])
    assert len(_ids(client)) == 2


def test_list_filters_sorting_and_paging(client):
    ids = {}
    for i, (fmt, size) in enumerate([('qcow2', 10), ('raw', 20),
                                     ('qcow2', 30)]):
        img = _create(client, name='img%d' % i, disk_format=fmt,
                      os_distro='debian' if i else 'arch').data
        _upload(client, img['id'], b'x' * size)
        ids[i] = img['id']
    queued = _create(client, name='queued').data['id']
    body = client.get('/image/v2/images').data
    assert [i['id'] for i in body['images']] == [queued, ids[2], ids[1],
                                                 ids[0]]
    assert body['first'] == '/v2/images'
    assert body['schema'] == '/v2/schemas/images'
    assert _ids(client, '?name=img1') == [ids[1]]
    assert _ids(client, '?name=in:img1,img2&sort_key=name&sort_dir=asc') \
        == [ids[1], ids[2]]
    assert _ids(client, '?disk_format=raw') == [ids[1]]
    assert _ids(client, '?status=queued') == [queued]
    assert _ids(client, '?size_min=15&size_max=30&sort=size:asc') == [
        ids[1], ids[2]]
    assert _ids(client, '?os_distro=debian&sort=name:asc') == [ids[1],
                                                              ids[2]]
    assert _ids(client, '?sort_key=name&sort_dir=asc') == [
        ids[0], ids[1], ids[2], queued]
    # paging follows the sort order and keeps the filters in `next`
    page = client.get('/image/v2/images?sort=name:asc&limit=2'
                      '&disk_format=qcow2').data
    assert [i['id'] for i in page['images']] == [ids[0], ids[2]]
    assert 'disk_format=qcow2' in page['next']
    nxt = page['next'].replace('/v2/', '/image/v2/', 1)
    assert [i['id'] for i in client.get(nxt).data['images']] == [queued]
    page = client.get('/image/v2/images?sort=name:asc&limit=2').data
    rest = client.get(page['next'].replace('/v2/', '/image/v2/', 1)).data
    assert [i['id'] for i in rest['images']] == [ids[2], queued]
    assert 'next' in rest
    assert _ids(client, '?limit=0') == []


@pytest.mark.parametrize('query', [
    'limit=x', 'limit=-1', 'sort_key=owner', 'sort_dir=up',
    'sort=name:up', 'sort=name&sort_key=id', 'status=bogus',
    'marker=00000000-0000-0000-0000-000000000000', 'size_min=big',
    'os_hidden=maybe', 'created_at=gte:2020-01-01T00:00:00Z'])
def test_bad_list_queries(client, query):
    assert client.get('/image/v2/images?' + query).status_code == 400


def test_delete_rules(client, db):
    img = _create(client, protected=True).data
    _upload(client, img['id'], b'keep me')
    url = '/image/v2/images/' + img['id']
    assert client.delete(url).status_code == 403
    assert client.get(url).status_code == 200
    assert os.path.exists(os.path.join(db.image.store_path, img['id']))
    public = _create(client, token='admin:admin', visibility='public').data
    assert client.delete('/image/v2/images/' + public['id']
                         ).status_code == 403
    assert client.delete(url, token='bob:p2').status_code == 404
    _patch(client, img['id'], [{'op': 'replace', 'path': '/protected',
                                'value': False}])
    assert client.delete(url).status_code == 204
    assert _stored(db) == []


def test_schemas(client):
    image = client.get('/image/v2/schemas/image').data
    assert image['name'] == 'image'
    assert image['properties']['status']['readOnly'] is True
    assert 'qcow2' in image['properties']['disk_format']['enum']
    assert image['additionalProperties'] == {'type': 'string'}
    images = client.get('/image/v2/schemas/images').data
    assert images['properties']['images']['items']['name'] == 'image'


def test_min_disk_and_min_ram_beyond_an_integer_are_a_400(client, db):
    # Regression: they reached the database and failed there with a 500.
    for field in ('min_disk', 'min_ram'):
        rsp = client.post('/image/v2/images', {'name': 'big', field: 10 ** 20})
        assert rsp.status_code == 400, rsp.body
