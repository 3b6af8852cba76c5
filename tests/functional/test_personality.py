"""Personality files (before 2.57) as Nova takes them: within the user's
injected_files quotas (403 with Nova's messages beyond), base64 contents
(400 otherwise), refused by the schema from 2.57; they ride in the request
spec to the config drive."""

import base64

import pytest

from novalite.tests.functional import helpers


def _create(cloud, personality, version=None):
    return cloud.http('POST', '/servers', version=version, json={'server': {
        'name': 'pers', 'imageRef': cloud.image_id, 'flavorRef': '42',
        'networks': [{'uuid': cloud.network_id}],
        'personality': personality}})


def _file(path='/etc/motd', data=b'hello'):
    return {'path': path, 'contents': base64.b64encode(data).decode()}


def test_files_within_limits_boot_and_reach_the_request_spec(cloud):
    rsp = _create(cloud, [_file(), _file('/root/b', b'\x00')])
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    (spec,) = cloud.rows("SELECT spec FROM request_specs WHERE "
                         "instance_uuid = '%s'" % server_id)
    assert '/root/b' in str(spec[0])
    cloud.http('DELETE', '/servers/%s' % server_id)
    helpers.wait_gone(cloud, server_id)


@pytest.mark.parametrize('personality,message', [
    ([_file('/f%d' % i) for i in range(6)],
     'Personality file limit exceeded'),
    ([_file('/' + 'p' * 300)], 'Personality file path exceeds maximum 255'),
    ([_file(data=b'x' * 10241)],
     'Personality file content exceeds maximum 10240'),
])
def test_over_the_quotas_is_403(cloud, personality, message):
    rsp = _create(cloud, personality)
    assert rsp.status_code == 403, rsp.text
    assert rsp.json()['forbidden']['message'] == message


def test_not_base64_or_after_257_is_400(cloud):
    rsp = _create(cloud, [{'path': '/x', 'contents': 'not base64 !!'}])
    assert rsp.status_code == 400, rsp.text
    rsp = _create(cloud, [_file()], version='2.57')
    assert rsp.status_code == 400, rsp.text
