"""Neutron's answer shapes: NeutronError faults, the version and extension
documents, list filters (``?name=x&name=y``), ``fields=`` and
``limit``/``marker`` pages with ``<collection>_links``."""

import json
from urllib import parse

import webob

EXTENSIONS = (
    ('security-group', 'security-group',
     'The security groups extension.'),
    ('binding', 'Port Binding',
     'Expose port bindings of a virtual port to external application'),
    ('project-id', 'project_id field enabled',
     'Extension that indicates that project_id field is enabled.'),
    ('standard-attr-description', 'standard-attr-description',
     'Extension to add descriptions to standard attributes'),
    ('standard-attr-timestamp', 'Resource timestamps',
     'Adds created_at and updated_at fields to all Neutron resources that '
     'have Neutron standard attributes.'),
    ('pagination', 'Pagination support',
     'Extension that indicates that pagination is enabled.'),
)

_FAULT_TYPES = {400: 'HTTPBadRequest', 401: 'HTTPUnauthorized',
                403: 'HTTPForbidden', 404: 'HTTPNotFound',
                405: 'HTTPMethodNotAllowed', 409: 'HTTPConflict',
                415: 'HTTPUnsupportedMediaType',
                503: 'HTTPServiceUnavailable'}


def fault(code, type_=None, message=''):
    """A Neutron error response."""
    resp = webob.Response(status=code, content_type='application/json',
                          charset='UTF-8')
    resp.body = json.dumps({'NeutronError': {
        'type': type_ or _FAULT_TYPES.get(code, 'HTTPError'),
        'message': message, 'detail': ''}}).encode('utf-8')
    return resp


def versions(base):
    return {'versions': [{
        'id': 'v2.0', 'status': 'CURRENT',
        'links': [{'href': base + '/v2.0/', 'rel': 'self'}]}]}


def resources(base, collections):
    return {'resources': [{
        'name': c.replace('-', '_')[:-1], 'collection': c,
        'links': [{'href': '%s/v2.0/%s' % (base, c), 'rel': 'self'}]}
        for c in collections]}


def extension(alias):
    for ext_alias, name, description in EXTENSIONS:
        if ext_alias == alias:
            return {'alias': alias, 'name': name,
                    'description': description,
                    'updated': '2013-02-03T10:00:00-00:00', 'links': []}
    return None


def extensions():
    return [extension(alias) for alias, _n, _d in EXTENSIONS]


def _text(value):
    if isinstance(value, bool):
        return str(value)
    return '' if value is None else str(value)


def _matches(item, key, wanted):
    if key == 'fixed_ips':
        # fixed_ips=ip_address=10.0.0.3 / fixed_ips=subnet_id=<id>
        for want in wanted:
            sub, _sep, val = want.partition('=')
            if not any(_text(ip.get(sub)) == val
                       for ip in item['fixed_ips']):
                return False
        return True
    value = item[key]
    if isinstance(value, list):
        return any(_text(v) in wanted for v in value)
    if isinstance(value, bool):
        return value in {w.lower() == 'true' for w in wanted
                         if w.lower() in ('true', 'false')}
    return _text(value) in wanted


def filtered(items, params):
    """Items matching every ``field=value`` query parameter (several
    values of one field: any of them); parameters naming no field are
    ignored, as Neutron does without the filter-validation extension."""
    if not items:
        return items
    keys = {k for k in params.keys()
            if k in items[0] and k not in ('fields',)}
    for key in keys:
        wanted = set(params.getall(key))
        items = [i for i in items if _matches(i, key, wanted)]
    return items


def select_fields(item, params):
    fields = [f for f in params.getall('fields') if f]
    if not fields:
        return item
    return {k: v for k, v in item.items() if k in fields}


def page(items, params, url, collection):
    """(items of this page, links) for ``limit``/``marker``.

    :raises: ValueError for a limit that is not a number
    """
    marker = params.get('marker')
    if marker:
        ids = [i['id'] for i in items]
        items = items[ids.index(marker) + 1:] if marker in ids else []
    limit = params.get('limit')
    links = []
    if limit not in (None, ''):
        limit = int(limit)
        if limit < 0:
            raise ValueError(limit)
        if limit and len(items) > limit:
            items = items[:limit]
            query = [(k, v) for k, v in params.items()
                     if k not in ('marker',)] + [('marker', items[-1]['id'])]
            links.append({'rel': 'next',
                          'href': url + '?' + parse.urlencode(query)})
    return items, links
