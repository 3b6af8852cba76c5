"""The API's bounds against the real services: the per-request instance
cap, the name filter (linear time, limit, paging), images that do not fit
the flavor, noauth2 on the network, and an API whose [image] backend is
glance (a second novalite-api asking the first one's Glance v2 API)."""

import os
import subprocess
import time
import urllib.parse

import pytest
import requests

from novalite.tests.functional import helpers
from novalite.tools import localcloud


def _body(cloud, **overrides):
    server = {'name': 'limits', 'imageRef': cloud.image_id,
              'flavorRef': '42', 'min_count': 1, 'max_count': 1,
              'networks': [{'uuid': cloud.network_id}]}
    server.update(overrides)
    return {'server': server}


def _rows(cloud):
    return tuple(cloud.count('SELECT COUNT(*) FROM %s' % table)
                 for table in ('instances', 'ports', 'request_specs',
                               'instance_actions'))


def _message(rsp, code):
    assert rsp.status_code == code, rsp.text
    (fault,) = rsp.json().values()
    assert fault['code'] == code
    return fault['message']


def test_max_count_over_the_cap_is_400_and_writes_nothing(cloud):
    before = _rows(cloud)
    rsp = cloud.http('POST', '/servers', json=_body(
        cloud, min_count=1, max_count=100000))
    assert _message(rsp, 400) == (
        'max_count (100000) exceeds the maximum number of instances per '
        'request (200).')
    assert _rows(cloud) == before


def _image(cloud, tmp_path, **values):
    path = os.path.join(str(tmp_path), 'img')
    with open(path, 'wb') as out:
        out.write(os.urandom(4096))
    return cloud.sdk.image.create_image(
        name='limits-img', filename=path, disk_format='raw',
        container_format='bare', wait=True, **values)


def test_image_larger_than_the_flavor_is_400(cloud, tmp_path):
    image = _image(cloud, tmp_path, min_ram=4096, min_disk=2)
    try:
        before = _rows(cloud)
        rsp = cloud.http('POST', '/servers', json=_body(
            cloud, imageRef=image.id))       # m1.nano: 128 MiB, 1 GiB
        assert _message(rsp, 400) == (
            "Flavor's memory is too small for requested image.")
        rsp = cloud.http('POST', '/servers', json=_body(
            cloud, imageRef=image.id, flavorRef='3'))   # 4 GiB, 40 GiB
        assert rsp.status_code == 202, rsp.text
        server_id = rsp.json()['server']['id']
        assert _rows(cloud) != before
        cloud.http('DELETE', '/servers/%s' % server_id)
        helpers.wait_gone(cloud, server_id)
    finally:
        cloud.sdk.image.delete_image(image)


def test_name_filter_is_bounded_limited_and_paged(cloud):
    rsp = cloud.http('POST', '/servers', json=_body(
        cloud, name='pager', min_count=3, max_count=3))
    assert rsp.status_code == 202, rsp.text
    ids = [s['id'] for s in cloud.http(
        'GET', '/servers?name=^pager-').json()['servers']]
    assert len(ids) == 3
    try:
        page = cloud.http('GET', '/servers/detail?name=^pager-&limit=2')
        page = page.json()
        assert len(page['servers']) == 2
        (link,) = page['servers_links']
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(
            link['href']).query)
        assert query['name'] == ['^pager-'] and query['limit'] == ['2']
        rest = requests.get(link['href'], timeout=30, headers={
            'X-Auth-Token': 'admin:admin'}).json()
        assert len(rest['servers']) == 1
        assert {s['id'] for s in page['servers'] + rest['servers']} == \
            set(ids)
        # Exponential for a backtracking engine; answered at once here.
        started = time.monotonic()
        rsp = cloud.http('GET', '/servers?name=' + urllib.parse.quote(
            '^(p|pa|pag|page|pager|-|\\d)+$'))
        assert rsp.status_code == 200
        assert len(rsp.json()['servers']) == 3
        rsp = cloud.http('GET', '/servers?name=' + urllib.parse.quote(
            '(a+)+$'))
        assert rsp.status_code == 200
        assert time.monotonic() - started < 5
        rsp = cloud.http('GET', '/servers?name=' + 'x' * 300)
        assert 'longer than 255' in _message(rsp, 400)
    finally:
        for server_id in ids:
            cloud.http('DELETE', '/servers/%s' % server_id)
        for server_id in ids:
            helpers.wait_gone(cloud, server_id)


def _extra_conf(tmp_path, text):
    path = os.path.join(str(tmp_path), 'extra.conf')
    with open(path, 'w') as out:
        out.write(text)
    return path


def test_noauth2_on_a_public_address_refuses_to_start(cloud, tmp_path):
    extra = _extra_conf(tmp_path, '[api]\nlisten = 0.0.0.0\nport = %d\n'
                        % localcloud.free_port())
    proc = subprocess.run(
        [localcloud.bin_path('novalite-api'), '--config-file',
         cloud.local.conf_file, '--config-file', extra],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert 'allow_insecure_noauth' in proc.stderr


@pytest.fixture
def glance_backed_api(cloud, tmp_path):
    """A second novalite-api on the cloud's database and bus, whose
    [image] backend is glance: the first API's /image."""
    port = localcloud.free_port()
    extra = _extra_conf(tmp_path, (
        '[api]\nport = %d\n[image]\nbackend = glance\n'
        'api_endpoint = %s/image\n') % (port, cloud.endpoint))
    log = open(os.path.join(str(tmp_path), 'api2.log'), 'wb')
    proc = subprocess.Popen(
        [localcloud.bin_path('novalite-api'), '--config-file',
         cloud.local.conf_file, '--config-file', extra],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    url = 'http://127.0.0.1:%d/v2.1' % port
    try:
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.time() < deadline, \
                open(os.path.join(str(tmp_path), 'api2.log')).read()
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_glance_backend_boots_from_the_image_api(cloud, glance_backed_api):
    headers = {'X-Auth-Token': 'admin:admin'}
    rsp = requests.post(glance_backed_api + '/servers', headers=headers,
                        json=_body(cloud, name='via-glance'), timeout=30)
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    try:
        server = helpers.wait_status(cloud, server_id, 'ACTIVE')
        assert server['image']['id'] == cloud.image_id
    finally:
        cloud.http('DELETE', '/servers/%s' % server_id)
        helpers.wait_gone(cloud, server_id)
    # An image the other API's Glance does not know: the same 400.
    missing = 'c0ffee00-0000-4000-8000-000000000000'
    rsp = requests.post(glance_backed_api + '/servers', headers=headers,
                        json=_body(cloud, imageRef=missing), timeout=30)
    assert _message(rsp, 400) == 'Image %s could not be found.' % missing
