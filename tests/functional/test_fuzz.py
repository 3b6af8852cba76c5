"""A generated-request fuzzer against every route of a running cloud.

Requests come from hypothesis strategies built from the API's own JSON
schemas (api/schemas: bodies valid for a random microversion, then mutated:
a field swapped for junk, a required one dropped, an unknown one added), plus
malformed JSON (truncated, invalid UTF-8, NaN/Infinity, deep nesting), wrong
types, huge and unicode strings, junk in paths, query strings and headers,
and methods a route does not take. Every answer must be < 500, carry no
traceback, and every 4xx must be Nova's fault body (one top-level key with
``code`` and ``message``; the image API under /image answers in the same
shape today, and Glance's own ``{"code", "title", "message"}`` shape is
accepted there too). At the end no service log may hold a traceback.

CI runs a seed-fixed sample (``NOVALITE_FUZZ_REQUESTS``, default 2 000);
``make fuzz`` runs 10 000 or more (``NOVALITE_FUZZ_SEED`` picks the seed).
Test_junk_input.py probes fixed, hand-picked junk; this one generates it.
"""

import base64
import json
import os
import random
import time
import urllib.parse
import uuid

from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings
from hypothesis import strategies as st
import pytest
import requests

from novalite.api.schemas import flavors as flavor_schemas
from novalite.api.schemas import images as image_schemas
from novalite.api.schemas import server_actions as action_schemas
from novalite.api.schemas import server_queries
from novalite.api.schemas import servers as server_schemas
from novalite.common import rpc
from novalite.tests.functional import conftest as fconf
from novalite.tests.functional import helpers
from novalite.tools import localcloud

REQUESTS = int(os.environ.get('NOVALITE_FUZZ_REQUESTS', '2000'))
SEED = int(os.environ.get('NOVALITE_FUZZ_SEED', '20240610'))
# Per request: a hung request is a failure, not a slow test.
TIMEOUT = 20

# -- leaves ---------------------------------------------------------------
HUGE = ['x' * 256, 'y' * 70000, '\U0001f4a5' * 3000, '\u00e9' * 300,
        '\x00', 'a\x00b', ' lead', 'trail ', '%s%n%x', '../../etc/passwd',
        "' OR 1=1 --", '<script>alert(1)</script>', '\ud7ff\ufffd\uffff',
        '\u202eevil', '9' * 400, '-1', '1e999', 'NaN', 'null', 'true',
        '2.100', '{}', '[]']
NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 63, -2 ** 63, 10 ** 30, 1.5, -0.0,
           1e308, 3.4e38]
scalar = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(HUGE))
junk = st.recursive(
    scalar,
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.dictionaries(st.text(max_size=12), kids,
                                           max_size=4)),
    max_leaves=8)


# -- from the project's JSON schemas ----------------------------------------
def _string(schema):
    fmt = schema.get('format')
    if fmt == 'uuid':
        return st.uuids().map(str)
    if fmt == 'ipv4':
        return st.ip_addresses(v=4).map(str)
    if fmt == 'ipv6':
        return st.ip_addresses(v=6).map(str)
    if fmt == 'base64':
        return st.binary(max_size=64).map(
            lambda b: base64.b64encode(b).decode())
    if fmt == 'date-time':
        return st.datetimes().map(lambda d: d.isoformat() + 'Z')
    low = schema.get('minLength', 0)
    high = min(schema.get('maxLength', 40), 40)
    if 'pattern' in schema:
        try:
            return st.from_regex(schema['pattern'], fullmatch=True).filter(
                lambda s: low <= len(s) <= schema.get('maxLength', 10 ** 6))
        except Exception:  # noqa: BLE001 -- a regex hypothesis cannot do
            pass
    return st.text(min_size=min(low, high), max_size=high)


def from_schema(schema, depth=0):
    """A strategy for values ``schema`` accepts (mostly: formats and
    patterns are best effort, which is fuzzing too)."""
    if not isinstance(schema, dict) or depth > 6:
        return junk
    if 'enum' in schema:
        return st.sampled_from(schema['enum'])
    for key in ('oneOf', 'anyOf'):
        if key in schema:
            return st.one_of([from_schema(s, depth + 1)
                              for s in schema[key]])
    types = schema.get('type')
    if isinstance(types, list):
        return st.one_of([from_schema(dict(schema, type=t), depth + 1)
                          for t in types])
    if types == 'string':
        return _string(schema)
    if types == 'integer':
        return st.integers(min_value=schema.get('minimum', -10),
                           max_value=min(schema.get('maximum', 10 ** 4),
                                         10 ** 4))
    if types == 'number':
        return st.floats(min_value=schema.get('minimum', -1e6),
                         max_value=min(schema.get('maximum', 1e6), 1e6),
                         allow_nan=False)
    if types == 'boolean':
        return st.booleans()
    if types == 'null':
        return st.none()
    if types == 'array':
        return st.lists(from_schema(schema.get('items', {}), depth + 1),
                        min_size=min(schema.get('minItems', 0), 3),
                        max_size=min(schema.get('maxItems', 3), 3))
    if types == 'object' or 'properties' in schema:
        props = schema.get('properties', {})
        if not props:
            return st.dictionaries(st.text(max_size=12), scalar, max_size=3)
        required = set(schema.get('required', ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, depth + 1) for k, v in props.items()
             if k in required},
            optional={k: from_schema(v, depth + 1)
                      for k, v in props.items() if k not in required})
    return junk


def _dict_paths(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from _dict_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):
            yield from _dict_paths(item, prefix + (i,))


@st.composite
def mutated(draw, schema):
    """Valid for ``schema`` half of the time, else one part broken."""
    value = draw(from_schema(schema))
    how = draw(st.sampled_from(['valid', 'valid', 'valid', 'swap', 'swap',
                                'drop', 'extra', 'junk']))
    if how == 'junk':
        return draw(junk)
    paths = [p for p in _dict_paths(value)] if how != 'valid' else []
    if not paths:
        return value
    path = draw(st.sampled_from(paths))
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if how == 'swap':
        parent[path[-1]] = draw(junk)
    elif how == 'drop' and isinstance(parent, dict):
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = draw(junk)
    return value


# -- requests ------------------------------------------------------------------
METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
VERSIONS = ['2.1', '2.19', '2.26', '2.37', '2.47', '2.55', '2.63', '2.73',
            '2.79', '2.90', '2.96', '2.100', 'latest']
JUNK_VERSIONS = ['', '2.0', '2.999', '3.1', 'abc', '2.', '.2', '2.1.1',
                 '\u0662.\u0661', '2.' + '9' * 50, 'latest latest']
PATH_JUNK = ['%00', '..', '%2e%2e', 'a' * 400, '%F0%9F%92%A5', '%2F', ';',
             '%20x', 'null', '-1', '0', '1%27', '%ff%fe', '~', '%25',
             '*', '{id}', '%0d%0aX-Injected:%201']
PATCH_TYPE = image_schemas.PATCH_TYPE


class Target:
    """What the generated requests aim at: ids of this cloud's resources."""

    def __init__(self, server_id, image_id, flavor_id, network_id):
        self.server_id = server_id
        self.image_id = image_id
        self.flavor_id = flavor_id
        self.network_id = network_id


def _quote(text):
    return urllib.parse.quote(text, safe='%')


@st.composite
def ident(draw, real):
    choice = draw(st.integers(0, 4))
    if choice <= 1:
        return real
    if choice == 2:
        return str(uuid.UUID(int=draw(st.integers(0, 2 ** 128 - 1))))
    if choice == 3:
        return draw(st.sampled_from(PATH_JUNK))
    return _quote(draw(st.text(min_size=1, max_size=20)))


def _query(keys):
    pair = st.tuples(st.one_of(st.sampled_from(sorted(keys)),
                               st.text(max_size=10)),
                     st.one_of(st.text(max_size=20), st.sampled_from(HUGE),
                               st.integers().map(str),
                               st.sampled_from(['-1', '0', '1', 'true',
                                                'name:asc', '(', '\\'])))
    return st.lists(pair, max_size=4).map(
        lambda pairs: urllib.parse.urlencode(pairs, safe=':'))


SERVER_QUERY_KEYS = set(server_queries.USER_FILTERS_V283) | {
    'sort_key', 'sort_dir', 'host', 'node', 'project_id', 'uuid'}
FLAVOR_QUERY_KEYS = {'limit', 'marker', 'minRam', 'minDisk', 'is_public',
                     'sort_key', 'sort_dir'}
IMAGE_QUERY_KEYS = {'limit', 'marker', 'name', 'visibility', 'status',
                    'owner', 'tag', 'size_min', 'size_max', 'sort',
                    'sort_key', 'sort_dir', 'member_status', 'os_hidden',
                    'disk_format', 'container_format', 'protected', 'id'}
ACTIONS = ['os-stop', 'os-start', 'reboot', 'pause', 'unpause', 'suspend',
           'resume', 'lock', 'unlock', 'rebuild', 'os-getConsoleOutput',
           'createImage', 'bogus', 'forceDelete', 'restore']


@st.composite
def _action_body(draw, version):
    action = draw(st.sampled_from(ACTIONS))
    schema = {'reboot': action_schemas.reboot,
              'rebuild': action_schemas.rebuild_schema(version),
              'createImage': action_schemas.create_image,
              'os-getConsoleOutput': action_schemas.get_console_output
              }.get(action)
    if schema is None:
        return {action: draw(st.one_of(st.none(), junk))}
    return draw(mutated(schema))


def _server_body(version, target):
    def fix(body):
        # Aim at this cloud's image, flavor and network often enough to
        # reach the build path, but never boot hundreds at once.
        server = body.get('server') if isinstance(body, dict) else None
        if isinstance(server, dict):
            rnd = random.Random(json.dumps(body, sort_keys=True,
                                           default=str))
            if rnd.random() < 0.5:
                server['imageRef'] = target.image_id
            if rnd.random() < 0.5 and 'flavorRef' in server:
                server['flavorRef'] = target.flavor_id
            for key in ('min_count', 'max_count'):
                if isinstance(server.get(key), int) and server[key] > 2:
                    server[key] = 2
                if isinstance(server.get(key), str) and \
                        server[key].isdigit() and int(server[key]) > 2:
                    server[key] = '2'
        return body
    return mutated(server_schemas.create_schema(version)).map(fix)


def _patch_body():
    op = st.fixed_dictionaries(
        {'op': st.one_of(st.sampled_from(['add', 'replace', 'remove',
                                          'move', 'copy', 'test']), junk),
         'path': st.one_of(st.sampled_from(
             ['/name', '/tags', '/visibility', '/min_ram', '/protected',
              '/id', '/status', '/x_prop', '/tags/0', '/', '', '/a~1b',
              '/locations', '/' + 'p' * 300]), junk)},
        optional={'value': junk})
    return st.one_of(st.lists(op, max_size=3), junk)


_CACHE = {}


def _cached(key, build):
    """Strategies are built once: building them is most of the cost."""
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


TAGS = st.one_of(st.sampled_from(['t1', 'a' * 70, '%2C', '']),
                 st.text(min_size=1, max_size=8).map(_quote))
_TAGS_BODY = {'type': 'object', 'properties': {'tags': {
    'type': 'array', 'items': {'type': 'string'}}}, 'required': ['tags']}
# (methods, path template, body strategy factory(version, target) or None,
# content type). {server}, {flavor}, {image}, {network}: ids (real, random
# or junk), {tag}: a tag, {q:KEYS}: a generated query string.
JSON = 'application/json'
ROUTES = [
    (['GET'], '/', None, None),
    (['GET'], '/v2.1', None, None),
    (['GET'], '/v2.1/', None, None),
    (['GET'], '/v2.1/servers?{q:servers}', None, None),
    (['GET'], '/v2.1/servers/detail?{q:servers}', None, None),
    (['POST'], '/v2.1/servers',
     lambda v, t: _cached(('create', v, t), lambda: _server_body(v, t)),
     JSON),
    (['GET', 'DELETE'], '/v2.1/servers/{server}', None, None),
    (['PUT'], '/v2.1/servers/{server}',
     lambda v, t: _cached(('update', v), lambda: mutated(
         server_schemas.update_schema(v))), JSON),
    (['POST'], '/v2.1/servers/{server}/action',
     lambda v, t: _cached(('action', v), lambda: _action_body(v)), JSON),
    (['GET'], '/v2.1/servers/{server}/diagnostics', None, None),
    (['GET', 'DELETE'], '/v2.1/servers/{server}/tags', None, None),
    (['PUT'], '/v2.1/servers/{server}/tags',
     lambda v, t: _cached('tags', lambda: mutated(_TAGS_BODY)), JSON),
    (['GET', 'PUT', 'DELETE'], '/v2.1/servers/{server}/tags/{tag}',
     None, None),
    (['GET'], '/v2.1/flavors?{q:flavors}', None, None),
    (['GET'], '/v2.1/flavors/detail?{q:flavors}', None, None),
    (['POST'], '/v2.1/flavors',
     lambda v, t: _cached(('flavor', v), lambda: mutated(
         flavor_schemas.create_schema(v))), JSON),
    (['GET', 'DELETE'], '/v2.1/flavors/{flavor}', None, None),
    (['PUT'], '/v2.1/flavors/{flavor}',
     lambda v, t: _cached('flavor-update', lambda: mutated(
         flavor_schemas.update_v255)), JSON),
    (['GET'], '/v2.1/os-networks', None, None),
    (['GET'], '/v2.1/os-networks/{network}', None, None),
    (['GET'], '/v2.1/{project}/servers', None, None),
    (['GET'], '/image', None, None),
    (['GET'], '/image/versions', None, None),
    (['GET'], '/image/v2/images?{q:images}', None, None),
    (['POST'], '/image/v2/images',
     lambda v, t: _cached('image', lambda: mutated(image_schemas.IMAGE)),
     JSON),
    (['GET', 'DELETE'], '/image/v2/images/{image}', None, None),
    (['PATCH'], '/image/v2/images/{image}',
     lambda v, t: _cached('patch', _patch_body), PATCH_TYPE),
    (['GET'], '/image/v2/images/{image}/file', None, None),
    (['PUT'], '/image/v2/images/{image}/file',
     lambda v, t: st.binary(max_size=512), 'application/octet-stream'),
    (['PUT', 'DELETE'], '/image/v2/images/{image}/tags/{tag}', None, None),
    (['GET'], '/image/v2/schemas/{schema}', None, None),
    (['GET'], '/identity', None, None),
    (['GET'], '/identity/v3', None, None),
]
QUERIES = {'servers': SERVER_QUERY_KEYS, 'flavors': FLAVOR_QUERY_KEYS,
           'images': IMAGE_QUERY_KEYS}


def _fill(draw, template, target):
    out = template
    for name, real in (('server', target.server_id),
                       ('flavor', target.flavor_id),
                       ('image', target.image_id),
                       ('network', target.network_id)):
        if '{%s}' % name in out:
            out = out.replace('{%s}' % name, draw(ident(real)))
    if '{tag}' in out:
        out = out.replace('{tag}', draw(TAGS))
    if '{project}' in out:
        out = out.replace('{project}', draw(st.sampled_from(
            ['admin', 'fuzzp', 'other', '%00', 'a' * 300])))
    if '{schema}' in out:
        out = out.replace('{schema}', draw(st.sampled_from(
            ['image', 'images', 'member', 'x'])))
    for name, keys in QUERIES.items():
        marker = '{q:%s}' % name
        if marker in out:
            out = out.replace(marker, draw(_cached(
                ('query', name), lambda: _query(keys))))
    return out


@st.composite
def request(draw, target):
    """(method, path, headers, body bytes or None) for one route."""
    version = draw(st.sampled_from(VERSIONS))
    methods, template, body_factory, ctype = draw(st.sampled_from(ROUTES))
    path = _fill(draw, template, target)
    body_st = body_factory(version, target) if body_factory else None
    method = draw(st.sampled_from(methods)) if draw(
        st.integers(0, 9)) else draw(st.sampled_from(METHODS))
    headers = {'X-Auth-Token': draw(st.sampled_from(
        ['admin:admin', 'admin:admin', 'fuzz:fuzzp', 'other:otherp',
         'admin', '', ':', 'x' * 300, 'a:b:c']))}
    if path.startswith('/v2.1'):
        if draw(st.integers(0, 9)):
            headers['OpenStack-API-Version'] = 'compute ' + version
        else:
            headers['OpenStack-API-Version'] = draw(st.sampled_from(
                ['compute ' + v for v in JUNK_VERSIONS]
                + ['volume 2.1', 'compute', '']))
        if not draw(st.integers(0, 9)):
            headers['X-OpenStack-Nova-API-Version'] = draw(
                st.sampled_from(VERSIONS + JUNK_VERSIONS))
    body = None
    if body_st is not None and method in ('POST', 'PUT', 'PATCH'):
        value = draw(body_st)
        body = value if isinstance(value, bytes) else _encode(
            value, draw(st.integers(0, 19)))
    elif method in ('POST', 'PUT', 'PATCH') and not draw(st.integers(0, 2)):
        body = _encode(draw(junk), draw(st.integers(0, 19)))
    if body is not None:
        headers['Content-Type'] = ctype or 'application/json'
        if not draw(st.integers(0, 14)):
            headers['Content-Type'] = draw(st.sampled_from(
                ['text/plain', 'application/xml', '', 'application/json; '
                 'charset=latin-1', 'multipart/form-data', PATCH_TYPE,
                 'application/json-patch+json']))
    if not draw(st.integers(0, 14)):
        # Header junk.
        headers[draw(st.sampled_from(
            ['Accept', 'X-Openstack-Request-Id', 'Content-Encoding',
             'X-Forwarded-For', 'Range', 'X-Auth-Project-Id', 'Expect',
             'Transfer-Encoding-Junk', 'If-None-Match']))] = draw(
            st.sampled_from(['*/*', 'x' * 4000, 'gzip', '\u00e9\u00e8',
                             'bytes=0-1,5-', 'req-' + 'z' * 60, '100',
                             '', 'application/xml']))
    if not draw(st.integers(0, 19)):
        # Path junk on any route: doubled slashes, extra segments, a
        # trailing dot or a fragment of traversal.
        path = path.split('?')[0] + draw(st.sampled_from(
            ['/', '//', '/x', '/../..', '/.', '/%00', '/' + 'z' * 500,
             '?' + '&' * 300, '/action/action', '/detail/detail']))
    return method, path, headers, body


def _encode(value, how):
    """JSON, mostly; sometimes broken on purpose."""
    text = json.dumps(value, allow_nan=True, default=str)
    if how == 0:
        return text[:max(1, len(text) // 2)].encode()        # truncated
    if how == 1:
        return b'\xff\xfe' + text.encode()                    # not UTF-8
    if how == 2:
        return b'[' * 50000 + b']' * 50000                    # deep
    if how == 3:
        return b'{"a": NaN, "b": Infinity, "c": -Infinity}'
    if how == 4:
        return text.encode('utf-16')
    if how == 5:
        return b'{"server": {"name": "a", "name": "b"}}'      # dup keys
    if how == 6:
        return b'1e99999'
    return text.encode('utf-8', 'surrogatepass')


# -- checking answers ----------------------------------------------------------
def _fault_ok(path, rsp):
    try:
        body = rsp.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    if path.startswith('/image') and {'code', 'title', 'message'} <= set(
            body):
        return True   # Glance's own error shape
    if len(body) != 1:
        return False
    (fault,) = body.values()
    return (isinstance(fault, dict) and fault.get('code') == rsp.status_code
            and isinstance(fault.get('message'), str))


class Sender:

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.http = requests.Session()
        self.sent = 0
        self.statuses = {}
        self.failures = []
        self.server_refusals = 0

    def __call__(self, req):
        method, path, headers, body = req
        self.sent += 1
        try:
            rsp = self.http.request(
                method, self.endpoint + path, data=body, timeout=TIMEOUT,
                headers={k: v.encode('utf-8') for k, v in headers.items()},
                allow_redirects=False)
        except requests.RequestException as exc:
            self._fail(req, 'no answer: %r' % exc)
            return
        code = rsp.status_code
        self.statuses[code] = self.statuses.get(code, 0) + 1
        if code >= 500:
            self._fail(req, '%s %s' % (code, rsp.text[:300]))
        elif 'Traceback' in rsp.text[:100000]:
            self._fail(req, 'traceback in body: %s' % rsp.text[:300])
        elif 400 <= code < 500 and rsp.headers.get(
                'Content-Type', '').startswith('text/plain'):
            # The HTTP server (cheroot) refused the request line itself
            # (e.g. a path starting with //): the app never saw it, and
            # every answer of the app is JSON (api/middleware.py).
            self.server_refusals += 1
        elif 400 <= code < 500 and method != 'HEAD' and not _fault_ok(
                path, rsp):
            self._fail(req, 'not a fault body: %s %r' % (code,
                                                         rsp.text[:300]))

    def _fail(self, req, what):
        if len(self.failures) < 200:
            method, path, headers, body = req
            self.failures.append('%s %s %s body=%r -> %s' % (
                method, path[:200], headers,
                body[:200] if body else body, what))


def run(endpoint, target, count, seed):
    """Send ``count`` generated requests; the Sender has the results."""
    sender = Sender(endpoint)

    @hypothesis_seed(seed)
    @settings(max_examples=count, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck),
              derandomize=False)
    @given(req=request(target))
    def fuzz(req):
        sender(req)

    fuzz()
    return sender


# -- the test ---------------------------------------------------------------
@pytest.fixture(scope='module')
def fuzz_cloud(tmp_path_factory):
    """A cloud of its own: the fuzzer deletes and changes what it finds,
    and its logs must hold nothing but this test's requests."""
    state = str(tmp_path_factory.mktemp('fuzz'))
    with localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-test-fuzz',
            compute_hosts=('compute1',), on_teardown=rpc.cleanup) as local:
        cloud = fconf.Cloud(local, 'sqlite')
        fconf._seed(cloud, state)
        yield cloud
        cloud.engine.dispose()


def _tracebacks(log_dir):
    found = []
    for name in sorted(os.listdir(log_dir)):
        with open(os.path.join(log_dir, name), errors='replace') as src:
            lines = src.readlines()
        for i, line in enumerate(lines):
            if 'Traceback' in line:
                found.append('%s: %s' % (name, ''.join(
                    lines[max(0, i - 3):i + 25])))
    return found


def test_fuzz_every_route(fuzz_cloud):
    cloud = fuzz_cloud
    rsp = cloud.http('POST', '/servers', json={'server': {
        'name': 'fuzz-target', 'imageRef': cloud.image_id,
        'flavorRef': '42', 'networks': [{'uuid': cloud.network_id}]}})
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    target = Target(server_id, cloud.image_id, '42', cloud.network_id)

    started = time.monotonic()
    sender = run(cloud.endpoint, target, REQUESTS, SEED)
    elapsed = time.monotonic() - started
    print('\nfuzz: %d requests in %.1f s (seed %d): %s, %d refused by the '
          'HTTP server' % (sender.sent, elapsed, SEED,
                           dict(sorted(sender.statuses.items())),
                           sender.server_refusals))
    assert sender.sent >= REQUESTS * 0.9, sender.sent
    assert not sender.failures, '%d failures:\n%s' % (
        len(sender.failures), '\n'.join(sender.failures[:40]))
    # Several kinds of answer, not one wall of 400s or 404s.
    assert len([c for c in sender.statuses if c < 300]) >= 2, \
        sender.statuses
    assert len([c for c in sender.statuses if 400 <= c < 500]) >= 4, \
        sender.statuses
    # Let the casts the fuzzer caused run, then: no traceback anywhere.
    time.sleep(2)
    tracebacks = _tracebacks(cloud.local.log_dir)
    assert not tracebacks, '\n'.join(tracebacks[:10])
    for name, proc in cloud.local.procs.items():
        assert proc.poll() is None, '%s died\n%s' % (name, cloud.local.logs())
