"""/image/v2/metadefs and /image/v2/schemas/metadefs/*: Glance's metadata
definitions catalog, read-only and small.

Horizon's Launch Instance dialog asks for the namespaces of the resource
types ``OS::Nova::Flavor``, ``OS::Glance::Image``, ``OS::Cinder::Volume``
and ``OS::Nova::Server`` (targets ``metadata`` and ``scheduler_hints``),
then fetches each namespace with ``?resource_type=`` (property names then
carry that type's prefix, as Glance does). glanceclient validates what it
reads against ``/v2/schemas/metadefs/namespace``. A few of Glance's own
namespaces are served, cut down to properties novalite's libvirt driver
and config drive understand. Reading is open to every authenticated user
(Glance's ``metadef_default`` rule); writes are refused (405): the catalog
is fixed.
"""

import urllib.parse

import pecan

from novalite.api import faults
from novalite.api import request_env

CREATED = '2024-01-01T00:00:00Z'
DEFAULT_LIMIT = 25


def _assoc(name, prefix=None, target=None):
    assoc = {'name': name, 'created_at': CREATED}
    if prefix:
        assoc['prefix'] = prefix
    if target:
        assoc['properties_target'] = target
    return assoc


# Glance's etc/metadefs/*.json, cut down.
NAMESPACES = [
    {
        'namespace': 'OS::Compute::InstanceData',
        'display_name': 'Instance Config Data',
        'description': 'Instances can be booted with a config drive holding '
                       'their metadata, keys and user data.',
        'resource_type_associations': [
            _assoc('OS::Glance::Image'),
            _assoc('OS::Cinder::Volume', target='image'),
            _assoc('OS::Nova::Server', target='metadata')],
        'properties': {
            'img_config_drive': {
                'title': 'Config Drive',
                'description': 'Whether the instance needs a config drive '
                               '(mandatory) or not (optional).',
                'type': 'string', 'enum': ['optional', 'mandatory']},
        },
    },
    {
        'namespace': 'OS::Compute::Libvirt',
        'display_name': 'libvirt Driver Options',
        'description': 'The libvirt compute driver options.',
        'resource_type_associations': [
            _assoc('OS::Glance::Image', prefix='hw_'),
            _assoc('OS::Nova::Flavor', prefix='hw:')],
        'properties': {
            'serial_port_count': {
                'title': 'Serial Port Count',
                'description': 'How many serial ports the guest has.',
                'type': 'integer', 'minimum': 0},
            'boot_menu': {
                'title': 'Boot Menu',
                'description': 'Whether the guest shows a boot menu.',
                'type': 'string', 'enum': ['true', 'false']},
        },
    },
    {
        'namespace': 'OS::Compute::Watchdog',
        'display_name': 'Watchdog Behavior',
        'description': 'What the hypervisor does when the guest\'s watchdog '
                       'fires.',
        'resource_type_associations': [
            _assoc('OS::Glance::Image'),
            _assoc('OS::Cinder::Volume', target='image'),
            _assoc('OS::Nova::Flavor')],
        'properties': {
            'hw_watchdog_action': {
                'title': 'Watchdog Action',
                'description': 'The action taken when the watchdog fires.',
                'type': 'string',
                'enum': ['disabled', 'reset', 'poweroff', 'pause', 'none']},
        },
    },
    {
        'namespace': 'OS::Nova::Server::SchedulerHints',
        'display_name': 'Scheduler Hints',
        'description': 'Hints a server can give the scheduler.',
        'resource_type_associations': [
            _assoc('OS::Nova::Server', target='scheduler_hints')],
        'properties': {
            'group': {
                'title': 'Server Group',
                'description': 'The UUID of a server group to boot into.',
                'type': 'string'},
        },
    },
]
_BY_NAME = {ns['namespace']: ns for ns in NAMESPACES}
RESOURCE_TYPES = sorted({a['name'] for ns in NAMESPACES
                         for a in ns['resource_type_associations']})

_PROPERTY = {
    'type': 'object',
    'required': ['title', 'type'],
    'properties': {
        'name': {'type': 'string'},
        'title': {'type': 'string'},
        'description': {'type': 'string'},
        'type': {'type': 'string', 'enum': [
            'array', 'boolean', 'integer', 'number', 'object', 'string',
            None]},
        'enum': {'type': 'array'},
        'default': {},
        'minimum': {'type': 'number'},
        'maximum': {'type': 'number'},
        'readonly': {'type': 'boolean'},
        'operators': {'type': 'array', 'items': {'type': 'string'}},
    },
}

# Glance's namespace schema, its definitions trimmed to what is served.
NAMESPACE_SCHEMA = {
    'name': 'namespace',
    'additionalProperties': False,
    'required': ['namespace'],
    'properties': {
        'namespace': {'type': 'string', 'maxLength': 80,
                      'description': 'The unique namespace text.'},
        'display_name': {'type': 'string', 'maxLength': 80},
        'description': {'type': 'string', 'maxLength': 500},
        'visibility': {'type': 'string', 'enum': ['public', 'private']},
        'protected': {'type': 'boolean'},
        'owner': {'type': 'string', 'maxLength': 255},
        'created_at': {'type': 'string', 'format': 'date-time'},
        'updated_at': {'type': 'string', 'format': 'date-time'},
        'schema': {'type': 'string', 'readOnly': True},
        'self': {'type': 'string', 'readOnly': True},
        'resource_type_associations': {'type': 'array', 'items': {
            'type': 'object', 'properties': {
                'name': {'type': 'string'},
                'prefix': {'type': 'string'},
                'properties_target': {'type': 'string'},
                'created_at': {'type': 'string'},
                'updated_at': {'type': 'string'}}}},
        'properties': {'type': 'object',
                       'additionalProperties': _PROPERTY},
        'objects': {'type': 'array', 'items': {
            'type': 'object', 'properties': {
                'name': {'type': 'string'},
                'description': {'type': 'string'},
                'required': {'type': 'array'},
                'properties': {'type': 'object',
                               'additionalProperties': _PROPERTY}}}},
        'tags': {'type': 'array', 'items': {
            'type': 'object', 'properties': {'name': {'type': 'string'}}}},
    },
}
NAMESPACES_SCHEMA = {
    'name': 'namespaces',
    'properties': {
        'namespaces': {'type': 'array', 'items': NAMESPACE_SCHEMA},
        'first': {'type': 'string'},
        'next': {'type': 'string'},
        'schema': {'type': 'string'},
    },
    'links': [{'rel': 'first', 'href': '{first}'},
              {'rel': 'next', 'href': '{next}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}


def _view(ns, resource_type=None):
    """Glance's namespace document; with ``resource_type``, property names
    carry that type's prefix."""
    prefix = ''
    for assoc in ns['resource_type_associations']:
        if assoc['name'] == resource_type:
            prefix = assoc.get('prefix', '')
    body = {
        'namespace': ns['namespace'], 'display_name': ns['display_name'],
        'description': ns['description'], 'visibility': 'public',
        'protected': True, 'owner': 'admin', 'created_at': CREATED,
        'updated_at': CREATED,
        'resource_type_associations': [
            dict(a) for a in ns['resource_type_associations']],
        'properties': {prefix + name: dict(prop)
                       for name, prop in ns['properties'].items()},
        'schema': '/v2/schemas/metadefs/namespace',
        'self': '/v2/metadefs/namespaces/%s' % ns['namespace'],
    }
    return body


def _summary(ns):
    body = _view(ns)
    del body['properties']
    return body


def _authenticated():
    """No policy beyond a caller (Glance's ``metadef_default``: '')."""
    request_env.context()


def _list(params):
    try:
        limit = int(params.get('limit', DEFAULT_LIMIT))
    except ValueError:
        raise faults.bad_request('limit param must be an integer')
    if limit < 0:
        raise faults.bad_request('limit param must be positive')
    sort_key = params.get('sort_key', 'created_at')
    sort_dir = params.get('sort_dir', 'desc')
    if sort_key not in ('namespace', 'created_at', 'updated_at'):
        raise faults.bad_request('Invalid sort key: %s.' % sort_key)
    if sort_dir not in ('asc', 'desc'):
        raise faults.bad_request('Invalid sort direction: %s' % sort_dir)
    wanted = [t for t in params.get('resource_types', '').split(',') if t]
    visibility = params.get('visibility')
    found = [ns for ns in NAMESPACES
             if (not wanted or any(a['name'] in wanted
                                   for a in ns['resource_type_associations']))
             and visibility in (None, 'public')]
    # One creation time for all: the name decides, then, in either key.
    found.sort(key=lambda ns: ns['namespace'], reverse=sort_dir == 'desc')
    marker = params.get('marker')
    if marker:
        names = [ns['namespace'] for ns in found]
        if marker not in names:
            raise faults.Fault(404, 'Metadata definition namespace=%s was '
                                    'not found.' % marker)
        found = found[names.index(marker) + 1:]
    page = found[:limit]
    query = {k: v for k, v in params.items() if k != 'marker'}
    body = {'namespaces': [_summary(ns) for ns in page],
            'schema': '/v2/schemas/metadefs/namespaces',
            'first': '/v2/metadefs/namespaces' + (
                '?' + urllib.parse.urlencode(query) if query else '')}
    if page and len(found) > limit:
        query['marker'] = page[-1]['namespace']
        body['next'] = '/v2/metadefs/namespaces?' + urllib.parse.urlencode(
            query)
    return body


class NamespaceController:

    def __init__(self, name):
        self.name = name

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        _authenticated()
        ns = _BY_NAME.get(self.name)
        if ns is None:
            raise faults.Fault(404, 'Metadata definition namespace=%s was '
                                    'not found.' % self.name)
        return _view(ns, request_env.params().get('resource_type'))

    @pecan.expose('json')
    def resource_types(self):
        request_env.only_get()
        _authenticated()
        ns = _BY_NAME.get(self.name)
        if ns is None:
            raise faults.Fault(404, 'Metadata definition namespace=%s was '
                                    'not found.' % self.name)
        return {'resource_type_associations': [
            dict(a) for a in ns['resource_type_associations']]}


class NamespacesController:

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        _authenticated()
        return _list(request_env.params())

    @pecan.expose()
    def _lookup(self, name, *remainder):
        return NamespaceController(name), remainder


class MetadefsController:
    """/image/v2/metadefs"""

    def __init__(self):
        self.namespaces = NamespacesController()

    @pecan.expose('json')
    def resource_types(self):
        request_env.only_get()
        _authenticated()
        return {'resource_types': [{'name': name, 'created_at': CREATED}
                                   for name in RESOURCE_TYPES]}


class SchemasController:
    """/image/v2/schemas/metadefs"""

    @pecan.expose('json')
    def namespace(self):
        request_env.only_get()
        return NAMESPACE_SCHEMA

    @pecan.expose('json')
    def namespaces(self):
        request_env.only_get()
        return NAMESPACES_SCHEMA
