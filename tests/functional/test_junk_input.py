"""Junk at every endpoint gets a 4xx, never a 500 or a hang: odd JSON
types for every create/action field, broken bodies, bad query strings and
headers. (A pass of this found an invalid name regex, oversized image
fields and an unbounded max_count answering 500 or hanging.)"""

import json

import pytest
import requests

from novalite.tests.functional import helpers

TOKENS = ('admin:fuzzp', 'fuzz:fuzzp')   # one project, admin and member
WEIRD = [None, 1, -1, 1.5, True, '', 'x' * 300, [], {}, [1], {'a': 1},
         '../../etc', '\u0000', '\U0001f4a5', 10 ** 20]
SERVER_FIELDS = ['name', 'imageRef', 'flavorRef', 'networks', 'min_count',
                 'max_count', 'metadata', 'security_groups',
                 'availability_zone', 'user_data', 'key_name', 'accessIPv4',
                 'OS-DCF:diskConfig', 'description', 'block_device_mapping_v2',
                 'config_drive', 'personality']
FLAVOR_FIELDS = ['name', 'ram', 'vcpus', 'disk', 'id', 'swap', 'rxtx_factor',
                 'os-flavor-access:is_public', 'OS-FLV-EXT-DATA:ephemeral']
IMAGE_FIELDS = ['name', 'visibility', 'disk_format', 'container_format',
                'min_disk', 'min_ram', 'protected', 'tags', 'id', 'kernel_id',
                'os_hidden']
ACTIONS = ['os-stop', 'os-start', 'reboot', 'pause', 'unpause', 'suspend',
           'resume', 'lock', 'unlock', 'rebuild', 'os-getConsoleOutput',
           'createImage', 'bogus']
QUERIES = ['limit=-1', 'limit=abc', 'limit=100000000000000000000',
           'marker=zzz', 'sort_key=bogus', 'sort_dir=sideways',
           'changes-since=notadate', 'status=BOGUS', 'name=(',
           'all_tenants=maybe', 'minRam=x', 'minDisk=-5',
           'is_public=perhaps', 'visibility=nope', 'size_min=x',
           'sort=name:up', 'tag=']
PATCH = 'application/openstack-images-v2.1-json-patch'


class _Prober:

    def __init__(self, cloud):
        self.base = cloud.endpoint
        self.http = requests.Session()
        self.failures = []

    def __call__(self, method, path, **kwargs):
        headers = kwargs.pop('headers', {})
        for token in TOKENS:
            try:
                rsp = self.http.request(
                    method, self.base + path, timeout=20,
                    headers=dict(headers, **{'X-Auth-Token': token}),
                    **kwargs)
            except requests.RequestException as exc:
                self.failures.append((method, path, kwargs, repr(exc)))
                return
            if rsp.status_code >= 500:
                self.failures.append((method, path, kwargs, rsp.status_code,
                                      rsp.text[:200]))


# ~1 500 requests: the database backend does not change what the API does
# with junk, so one backend is enough.
@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_junk_gets_4xx_not_500(cloud):
    probe = _Prober(cloud)
    server = cloud.sdk.compute.create_server(
        name='junk-target', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    try:
        _probe_everything(probe, cloud, server.id)
    finally:
        _clean_up(cloud, server.id)
    assert probe.failures == []


def _probe_everything(probe, cloud, server_id):
    for path in ('/v2.1/servers', '/v2.1/servers/detail', '/v2.1/flavors',
                 '/v2.1/flavors/detail', '/image/v2/images',
                 '/v2.1/os-networks'):
        for query in QUERIES:
            probe('GET', path + '?' + query)
    for template in ('/v2.1/servers/%s', '/v2.1/flavors/%s',
                     '/image/v2/images/%s', '/image/v2/images/%s/file',
                     '/v2.1/servers/%s/diagnostics'):
        for ident in ('nonexist', '%00', 'a' * 400, '1 OR 1=1'):
            probe('GET', template % ident)
            probe('DELETE', template % ident)
    base = {'name': 'junk', 'imageRef': cloud.image_id, 'flavorRef': '42',
            'networks': 'auto'}
    for value in WEIRD:
        probe('POST', '/v2.1/servers', json=value)
        probe('POST', '/v2.1/servers', json={'server': value})
        for field in SERVER_FIELDS:
            probe('POST', '/v2.1/servers',
                  json={'server': dict(base, **{field: value})},
                  headers={'OpenStack-API-Version': 'compute 2.37'})
        for field in FLAVOR_FIELDS:
            probe('POST', '/v2.1/flavors', json={'flavor': dict(
                {'name': 'junk', 'ram': 64, 'vcpus': 1, 'disk': 1},
                **{field: value})})
        for action in ACTIONS:
            probe('POST', '/v2.1/servers/%s/action' % server_id,
                  json={action: value})
        for field in IMAGE_FIELDS:
            probe('POST', '/image/v2/images', json={field: value})
        for patch in (value, [{'op': 'replace', 'path': '/name',
                               'value': value}],
                      [{'op': value, 'path': value}]):
            probe('PATCH', '/image/v2/images/%s' % cloud.image_id,
                  data=json.dumps(patch), headers={'Content-Type': PATCH})
    for raw in (b'{', b'null', b'[]', b'"s"', b'\xff\xfe',
                b'{"server": {"name": "a"', b'1e999'):
        for path in ('/v2.1/servers', '/v2.1/servers/%s/action' % server_id,
                     '/image/v2/images', '/v2.1/flavors'):
            probe('POST', path, data=raw,
                  headers={'Content-Type': 'application/json'})
    for version in ('2.0', '3.1', '2.999', 'latest', 'abc', 'compute', ''):
        probe('GET', '/v2.1/servers',
              headers={'OpenStack-API-Version': 'compute ' + version})
        probe('GET', '/v2.1/servers',
              headers={'X-OpenStack-Nova-API-Version': version})
    probe('PUT', '/v2.1/servers')
    probe('POST', '/v2.1/servers', data='x',
          headers={'Content-Type': 'text/plain'})


def _clean_up(cloud, server_id):
    """Whatever the junk happened to create (it may be valid input)."""
    servers = cloud.http('GET', '/servers?all_tenants=1&limit=1000').json()
    for server in servers['servers']:
        if server['id'] == server_id or server['name'].startswith('junk'):
            cloud.http('DELETE', '/servers/%s' % server['id'])
    for server in servers['servers']:
        if server['id'] == server_id or server['name'].startswith('junk'):
            helpers.wait_gone(cloud, server['id'])
    for flavor in cloud.http('GET', '/flavors?is_public=None').json()[
            'flavors']:
        if flavor['name'].startswith('junk') or flavor['name'] in ('', 'x'):
            cloud.http('DELETE', '/flavors/%s' % flavor['id'])
    images = requests.get(cloud.endpoint + '/image/v2/images?owner=fuzzp',
                          headers={'X-Auth-Token': 'admin:admin'},
                          timeout=30).json()['images']
    for image in images:
        requests.delete(cloud.endpoint + '/image/v2/images/%s' % image['id'],
                        headers={'X-Auth-Token': 'admin:admin'}, timeout=30)
