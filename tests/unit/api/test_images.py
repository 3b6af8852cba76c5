import hashlib
import os


def _create(client, token='alice:p1', **body):
    body.setdefault('name', 'cirros')
    body.setdefault('disk_format', 'qcow2')
    body.setdefault('container_format', 'bare')
    return client.post('/image/v2/images', body, token=token)


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
    assert img['hw_disk_bus'] == 'virtio'
    assert img['self'] == '/v2/images/' + img['id']
    path = '/image/v2/images/%s/file' % img['id']
    assert client.get(path).status_code == 204   # no data yet
    data = os.urandom(200 * 1024)
    put = client.request('PUT', path, raw=data)
    assert put.status_code == 204
    shown = client.get('/image/v2/images/' + img['id']).data
    assert shown['status'] == 'active' and shown['size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()
    got = client.get(path)
    assert got.status_code == 200 and got.body == data
    stored = os.path.join(db.image.store_path, img['id'])
    assert os.path.exists(stored)
    # a second upload is refused: the image is no longer queued
    assert client.request('PUT', path, raw=b'x').status_code == 409
    assert client.delete('/image/v2/images/' + img['id']).status_code == 204
    assert not os.path.exists(stored)
    assert client.get('/image/v2/images/' + img['id']).status_code == 404


def test_list_filters_and_paging(client, db):
    ids = [_create(client, name='img%d' % i).data['id'] for i in range(3)]
    body = client.get('/image/v2/images').data
    assert sorted(i['id'] for i in body['images']) == sorted(ids)
    assert body['first'] == '/v2/images'
    assert body['schema'] == '/v2/schemas/images'
    page = client.get('/image/v2/images?limit=2').data
    assert len(page['images']) == 2 and 'next' in page
    rest = client.get('/image/v2/images?marker=%s' %
                      page['images'][-1]['id']).data['images']
    assert len(rest) == 1
    named = client.get('/image/v2/images?name=img1').data['images']
    assert [i['name'] for i in named] == ['img1']


def test_private_images_hidden_from_other_projects(client, db):
    img = _create(client, visibility='private').data
    assert client.get('/image/v2/images/' + img['id'],
                      token='bob:p2').status_code == 404
    assert client.get('/image/v2/images', token='bob:p2').data[
        'images'] == []
    assert client.get('/image/v2/images/' + img['id'],
                      token='admin:admin').status_code == 200


def test_bad_image_requests(client, db):
    assert _create(client, disk_format='floppy').status_code == 400
    assert _create(client, status='active').status_code == 403
    assert _create(client, visibility='public').status_code == 403
    assert _create(client, token='admin:admin',
                   visibility='public').status_code == 201
