"""The isolation matrix: every route the API serves × {admin, owner member,
owner reader, another project's member, no token}, each cell's status
asserted, the matrix printed (and saved under the test's tmp dir).

Two modes: ``keystone`` — a real Keystone started by the harness
(tests/functional/keystone_cloud.py, the same tools/keystone.py as `make
run AUTH=keystone`); ``noauth2`` — tokens ``admin:admin``, ``demo:demo``,
``alt:alt`` (noauth2 has no reader, and no token means admin there, so
those two columns are ``-``).

Semantics (Nova's and Glance's): another project's server or private image
is a 404 (a non-admin never learns it exists), an admin-only API a 403, a
reader lists and shows but every write is a 403, no token a 401 with
``WWW-Authenticate`` (keystone), version documents are open.

Cells that would change state are aimed so that the call fails *after* the
policy check in a predictable way, or each persona gets its own target:

- ``unplaced``: a server of the member's project in ERROR with no host (its
  flavor fits no host): every state-changing action passes the policy and
  then answers 409 "Instance ... is not ready".
- ``{victim}``, ``{upload}``, ``{doomed}``, ``{persona}``: each persona
  allowed to act gets its own server / image / tag.
- ``POST /servers`` names an unknown flavor: 400 after the policy.

Within a row the refused personas run first (anonymous, other, reader),
then the member, then the admin, so a refusal never sees a changed target.
"""

import io
import os
import time
import uuid

import pytest
import requests

from novalite.common import rpc
from novalite.tests.functional import keystone_cloud
from novalite.tools import localcloud

PERSONAS = ('admin', 'member', 'reader', 'other', 'anonymous')
RUN_ORDER = ('anonymous', 'other', 'reader', 'member', 'admin')
A = 'AUTH'          # 401 under keystone (no token)
NOAUTH_TOKENS = {'admin': 'admin:admin', 'member': 'demo:demo',
                 'other': 'alt:alt'}


class Route:
    """One row: ``expected`` is (admin, member, reader, other, anonymous);
    ``A`` is the 401 of a request without a token."""

    def __init__(self, method, path, expected, body=None, version=None,
                 note='', raw=None, content_type=None, why=None):
        self.method = method
        # What the body of a 400/409 past the policy must say.
        self.why = why
        self.path = path
        self.expected = dict(zip(PERSONAS, expected))
        self.body = body
        self.version = version
        self.note = note
        self.raw = raw
        self.content_type = content_type

    @property
    def label(self):
        action = (' ' + next(iter(self.body))
                  if self.path.endswith('/action') else '')
        return '%s %s%s%s' % (self.method, self.path, action,
                              ' @%s' % self.version if self.version else '')


C, I = '/v2.1', '/image/v2'
SERVER = C + '/servers/{server}'
UNPLACED = C + '/servers/{unplaced}'
NEW_SERVER = {'server': {'name': 'matrix-new', 'imageRef': '{public}',
                         'flavorRef': 'no-such-flavor'}}
BAD_IMAGE = str(uuid.UUID(int=1))
NOT_READY = '409 not ready (unplaced server)'
PATCH = 'application/openstack-images-v2.1-json-patch'


def _action(body, expected, target=SERVER, note=''):
    return Route('POST', target + '/action', expected, body=body, note=note,
                 why='is not ready' if note == NOT_READY else None)


ROUTES = [
    # -- version documents: open to everyone ---------------------------------
    Route('GET', '/', (200, 200, 200, 200, 200)),
    Route('GET', C, (200, 200, 200, 200, 200)),
    Route('GET', '/image/', (300, 300, 300, 300, 300)),
    Route('GET', '/image/versions', (200, 200, 200, 200, 200)),
    Route('GET', '/identity', (200, 200, 200, 200, A)),
    # -- servers -------------------------------------------------------------
    Route('GET', C + '/servers', (200, 200, 200, 200, A),
          note="other: its own (empty) list"),
    Route('GET', C + '/servers/detail', (200, 200, 200, 200, A)),
    Route('GET', C + '/servers?all_tenants=1', (200, 403, 403, 403, A)),
    Route('GET', C + '/servers/detail?all_tenants=1',
          (200, 403, 403, 403, A)),
    Route('GET', C + '/{project}/servers', (200, 200, 200, 400, A),
          note="the member's project id in the URL"),
    Route('POST', C + '/servers', (400, 400, 403, 400, A), body=NEW_SERVER,
          note='400: unknown flavor, after the policy',
          why='Invalid flavorRef provided.'),
    Route('GET', SERVER, (200, 200, 200, 404, A)),
    Route('PUT', SERVER, (200, 200, 403, 404, A),
          body={'server': {'name': 'matrix-main'}}),
    Route('DELETE', C + '/servers/{victim}', (204, 204, 403, 404, A),
          note='own victim server each'),
    Route('GET', SERVER + '/diagnostics', (200, 403, 403, 404, A)),
    _action({'os-getConsoleOutput': {}}, (200, 200, 403, 404, A)),
    _action({'os-stop': None}, (409, 409, 403, 404, A), UNPLACED, NOT_READY),
    _action({'os-start': None}, (409, 409, 403, 404, A), UNPLACED,
            NOT_READY),
    _action({'reboot': {'type': 'HARD'}}, (409, 409, 403, 404, A), UNPLACED,
            NOT_READY),
    _action({'pause': None}, (409, 409, 403, 404, A), UNPLACED, NOT_READY),
    _action({'unpause': None}, (409, 409, 403, 404, A), UNPLACED,
            NOT_READY),
    _action({'suspend': None}, (409, 409, 403, 404, A), UNPLACED,
            NOT_READY),
    _action({'resume': None}, (409, 409, 403, 404, A), UNPLACED, NOT_READY),
    _action({'rebuild': {'imageRef': '{public}'}}, (409, 409, 403, 404, A),
            UNPLACED, NOT_READY),
    _action({'createImage': {'name': 'snap'}}, (409, 409, 403, 404, A),
            UNPLACED, NOT_READY),
    _action({'unlock': None}, (202, 202, 403, 404, A), UNPLACED,
            'not locked yet'),
    _action({'lock': None}, (202, 202, 403, 404, A), UNPLACED),
    Route('GET', SERVER + '/tags', (200, 200, 200, 404, A), version='2.26'),
    Route('PUT', SERVER + '/tags', (200, 200, 403, 404, A),
          body={'tags': ['matrix']}, version='2.26'),
    Route('GET', SERVER + '/tags/matrix', (204, 204, 204, 404, A),
          version='2.26'),
    Route('PUT', SERVER + '/tags/{persona}', (201, 201, 403, 404, A),
          version='2.26', note='own tag each'),
    Route('DELETE', SERVER + '/tags/{persona}', (204, 204, 403, 404, A),
          version='2.26', note='own tag each'),
    Route('DELETE', SERVER + '/tags', (204, 204, 403, 404, A),
          version='2.26'),
    # -- flavors -------------------------------------------------------------
    Route('GET', C + '/flavors', (200, 200, 200, 200, A)),
    Route('GET', C + '/flavors/detail', (200, 200, 200, 200, A)),
    Route('GET', C + '/flavors/1', (200, 200, 200, 200, A)),
    Route('POST', C + '/flavors', (200, 403, 403, 403, A),
          body={'flavor': {'name': 'matrix-{mode}', 'ram': 64, 'vcpus': 1,
                           'disk': 1}}),
    Route('PUT', C + '/flavors/{doomed_flavor}', (200, 403, 403, 403, A),
          body={'flavor': {'description': 'matrix'}}, version='2.55'),
    Route('DELETE', C + '/flavors/{doomed_flavor}', (202, 403, 403, 403, A)),
    # -- os-networks ---------------------------------------------------------
    Route('GET', C + '/os-networks', (200, 200, 200, 200, A)),
    Route('GET', C + '/os-networks/{network}', (200, 200, 200, 200, A),
          note='the shared default network'),
    # -- images (Glance v2) --------------------------------------------------
    Route('GET', I + '/schemas/image', (200, 200, 200, 200, A)),
    Route('GET', I + '/images', (200, 200, 200, 200, A)),
    Route('POST', I + '/images', (201, 201, 403, 201, A),
          body={'name': 'matrix-new'}),
    Route('GET', I + '/images/{public}', (200, 200, 200, 200, A)),
    Route('GET', I + '/images/{private}', (200, 200, 200, 404, A),
          note="the member's private image"),
    Route('GET', I + '/images/{public}/file', (200, 200, 200, 200, A)),
    Route('GET', I + '/images/{private}/file', (200, 200, 200, 404, A)),
    Route('PATCH', I + '/images/{private}', (200, 200, 403, 404, A),
          raw=b'[{"op": "replace", "path": "/name", "value": "private"}]',
          content_type=PATCH),
    Route('PATCH', I + '/images/{public}', (200, 403, 403, 403, A),
          raw=b'[{"op": "replace", "path": "/name", "value": "public"}]',
          content_type=PATCH, note="the admin's public image"),
    Route('PUT', I + '/images/{private}/tags/{persona}',
          (204, 204, 403, 404, A)),
    Route('DELETE', I + '/images/{private}/tags/{persona}',
          (204, 204, 403, 404, A)),
    Route('PUT', I + '/images/{upload}/file', (204, 204, 403, 404, A),
          raw=b'\0' * 4096, content_type='application/octet-stream',
          note='own queued image each'),
    Route('DELETE', I + '/images/{doomed}', (204, 204, 403, 404, A),
          note='own image each'),
]
from . import matrix_routes_keypairs_quotas  # noqa: E402 -- uses Route
ROUTES += matrix_routes_keypairs_quotas.ROUTES
from . import matrix_routes_network  # noqa: E402 -- uses Route
ROUTES += matrix_routes_network.ROUTES
from . import matrix_routes_admin_apis  # noqa: E402 -- uses Route
ROUTES += matrix_routes_admin_apis.ROUTES
from . import matrix_routes_server_groups  # noqa: E402 -- uses Route
ROUTES += matrix_routes_server_groups.ROUTES
from . import matrix_routes_security_groups  # noqa: E402 -- uses Route
ROUTES += matrix_routes_security_groups.ROUTES
from . import matrix_routes_metadefs  # noqa: E402 -- uses Route
ROUTES += matrix_routes_metadefs.ROUTES
from . import matrix_routes_flavor_extras  # noqa: E402 -- uses Route
ROUTES += matrix_routes_flavor_extras.ROUTES
from . import matrix_routes_compute_images  # noqa: E402 -- uses Route
ROUTES += matrix_routes_compute_images.ROUTES
from . import matrix_routes_volume_attachments  # noqa: E402 -- uses Route
ROUTES += matrix_routes_volume_attachments.ROUTES


class NoauthCloud:
    """The KeystoneCloud interface over a noauth2 cloud."""

    def __init__(self, local):
        self.local = local
        self.endpoint = local.endpoint

    def token(self, persona):
        return NOAUTH_TOKENS[persona]

    def project_id(self, persona):
        return NOAUTH_TOKENS[persona].split(':')[1]

    def http(self, method, path, persona, **kw):
        headers = kw.pop('headers', {})
        headers['X-Auth-Token'] = self.token(persona)
        return requests.request(method, self.endpoint + path,
                                headers=headers, timeout=30, **kw)


class KeystoneAdapter:

    def __init__(self, cloud):
        self.cloud = cloud
        self.local = cloud.local
        self.endpoint = cloud.endpoint

    def token(self, persona):
        return self.cloud.token(persona)

    def project_id(self, persona):
        return self.cloud.project_id(persona)

    def http(self, method, path, persona, **kw):
        return self.cloud.http(method, self.endpoint + path, persona, **kw)


def _ok(rsp, *codes):
    assert rsp.status_code in codes, '%s %s: %s %s' % (
        rsp.request.method, rsp.request.url, rsp.status_code, rsp.text[:500])
    return rsp.json() if rsp.content and 'json' in rsp.headers.get(
        'Content-Type', '') else None


def _image(cloud, persona, name, data=None, visibility='private'):
    img = _ok(cloud.http('POST', I + '/images', persona, json={
        'name': name, 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': visibility}), 201)
    if data is not None:
        _ok(cloud.http('PUT', I + '/images/%s/file' % img['id'], persona,
                       data=io.BytesIO(data), headers={
                           'Content-Type': 'application/octet-stream'}), 204)
    return img['id']


def _boot(cloud, name, image, flavor='1'):
    body = _ok(cloud.http('POST', C + '/servers', 'member', json={'server': {
        'name': name, 'imageRef': image, 'flavorRef': flavor}}), 202)
    return body['server']['id']


def _settle(cloud, server_id, status, timeout=90):
    deadline = time.monotonic() + timeout
    server = None
    while time.monotonic() < deadline:
        server = _ok(cloud.http('GET', C + '/servers/' + server_id,
                                'admin'), 200)['server']
        if server['status'] == status and \
                server.get('OS-EXT-STS:task_state') is None:
            return server
        time.sleep(0.2)
    raise AssertionError('server %s not %s: %s\n%s' % (
        server_id, status, server, cloud.local.logs()))


def _setup(cloud, mode):
    """The targets: servers, images, flavors; ``targets[persona]`` maps
    placeholders to what that persona acts on."""
    data = os.urandom(64 * 1024)
    public = _image(cloud, 'admin', 'matrix-public', data, 'public')
    huge = _ok(cloud.http('POST', C + '/flavors', 'admin', json={'flavor': {
        'name': 'matrix-huge', 'ram': 10 ** 8, 'vcpus': 1, 'disk': 1}}),
        200)['flavor']['id']
    doomed_flavor = _ok(cloud.http('POST', C + '/flavors', 'admin', json={
        'flavor': {'name': 'matrix-doomed', 'ram': 64, 'vcpus': 1,
                   'disk': 1}}), 200)['flavor']['id']
    servers = {name: _boot(cloud, 'matrix-' + name, public)
               for name in ('main', 'victim-member', 'victim-admin')}
    unplaced = _boot(cloud, 'matrix-unplaced', public, huge)
    for server_id in servers.values():
        _settle(cloud, server_id, 'ACTIVE')
    server = _settle(cloud, unplaced, 'ERROR')
    assert server.get('OS-EXT-SRV-ATTR:host') is None, server
    network = _ok(cloud.http('GET', C + '/os-networks', 'member'),
                  200)['networks'][0]['id']
    common = {'mode': mode, 'public': public, 'server': servers['main'],
              'unplaced': unplaced, 'network': network,
              'doomed_flavor': doomed_flavor,
              'project': cloud.project_id('member'),
              'private': _image(cloud, 'member', 'matrix-private', data)}
    own = {p: {'victim': servers['victim-member'],
               'upload': _image(cloud, 'member', 'matrix-upload-' + p),
               'doomed': _image(cloud, 'member', 'matrix-doomed-' + p)}
           for p in ('admin', 'member')}
    own['admin']['victim'] = servers['victim-admin']
    matrix_routes_server_groups.targets(cloud, common, own)
    matrix_routes_security_groups.targets(cloud, common, own)
    matrix_routes_flavor_extras.targets(cloud, common, own)
    matrix_routes_compute_images.targets(cloud, common, own)
    matrix_routes_network.targets(cloud, common, own)
    return {p: dict(common, persona=p, **own.get(p, own['member']))
            for p in PERSONAS}


def _fill(value, targets):
    if isinstance(value, str):
        return value.format(**targets)
    if isinstance(value, dict):
        return {k: _fill(v, targets) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, targets) for v in value]
    return value


def _request(cloud, mode, route, persona, targets):
    kw = {'headers': {}}
    if route.version:
        kw['headers']['OpenStack-API-Version'] = 'compute ' + route.version
    if route.raw is not None:
        kw['data'] = route.raw
        kw['headers']['Content-Type'] = route.content_type
    elif route.body is not None:
        kw['json'] = _fill(route.body, targets)
    path = _fill(route.path, targets)
    if persona == 'anonymous':
        return requests.request(route.method, cloud.endpoint + path,
                                timeout=30, **kw)
    return cloud.http(route.method, path, persona, **kw)


def _run(cloud, mode, auth_url):
    """{(route label, persona): (expected, got)}; '-' where the persona
    does not exist in this mode."""
    targets = _setup(cloud, mode)
    personas = PERSONAS if mode == 'keystone' else ('admin', 'member',
                                                    'other')
    cells = {}
    for route in ROUTES:
        for persona in RUN_ORDER:
            if persona not in personas:
                cells[route.label, persona] = ('-', '-', '')
                continue
            expected = route.expected[persona]
            rsp = _request(cloud, mode, route, persona, targets[persona])
            got = rsp.status_code
            if expected == A:
                expected = 401
                if got == 401 and rsp.headers.get('WWW-Authenticate') != \
                        'Keystone uri="%s"' % auth_url:
                    got = '401 without WWW-Authenticate'
            if route.why and got == expected in (400, 409) and \
                    route.why not in rsp.text:
                got = '%s not saying %r' % (got, route.why)
            cells[route.label, persona] = (expected, got, rsp.text[:300])
    return cells


def _table(mode, cells):
    head = ['route'] + list(PERSONAS) + ['note']
    rows = []
    for route in ROUTES:
        row = [route.label]
        for persona in PERSONAS:
            expected, got, _text = cells[route.label, persona]
            row.append(str(got) if expected == got else
                       'EXPECTED %s GOT %s' % (expected, got))
        rows.append(row + [route.note])
    widths = [max(len(r[i]) for r in [head] + rows)
              for i in range(len(head))]
    lines = ['isolation matrix, auth_strategy = %s' % mode,
             '| ' + ' | '.join(h.ljust(w) for h, w in zip(head, widths))
             + ' |',
             '|' + '|'.join('-' * (w + 2) for w in widths) + '|']
    lines += ['| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths))
              + ' |' for r in rows]
    return '\n'.join(lines) + '\n'


@pytest.fixture(scope='module', params=['noauth2', 'keystone'])
def matrix_cloud(request, tmp_path_factory):
    mode = request.param
    state = str(tmp_path_factory.mktemp('matrix-' + mode))
    if mode == 'keystone':
        with keystone_cloud.keystone_cloud(state) as cloud:
            yield mode, KeystoneAdapter(cloud), cloud.keystone.auth_url, \
                state
    else:
        with localcloud.disposable_cloud(
                'sqlite', os.path.join(state, 'cloud'),
                vhost_prefix='novalite-matrix',
                on_teardown=rpc.cleanup) as local:
            yield mode, NoauthCloud(local), None, state


def test_isolation_matrix(matrix_cloud, capsys):
    mode, cloud, auth_url, state = matrix_cloud
    cells = _run(cloud, mode, auth_url)
    table = _table(mode, cells)
    with open(os.path.join(state, 'isolation-matrix.md'), 'w') as out:
        out.write(table)
    with capsys.disabled():
        print('\n' + table)
    wrong = ['%s as %s: expected %s, got %s: %s' % (label, persona, e, g, t)
             for (label, persona), (e, g, t) in cells.items() if e != g]
    assert not wrong, '\n'.join(wrong)
