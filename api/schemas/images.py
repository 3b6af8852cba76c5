"""The Glance v2 image schema and the request rules built on it: create
bodies, JSON-patch updates (application/openstack-images-v2.1-json-patch)
and list query parameters, with Glance's status codes."""

import copy
import json

from novalite.api import faults
from novalite.api import validation

# The database's integer columns (and Glance's limit for these fields).
MAX_INT = 2 ** 31 - 1

DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed']
STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted',
            'pending_delete', 'deactivated', 'uploading', 'importing']
VISIBILITIES = ['public', 'private', 'shared', 'community']
READ_ONLY = ['id', 'status', 'size', 'virtual_size', 'checksum',
             'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at',
             'self', 'file', 'schema', 'direct_url', 'stores']
RESERVED = ['location', 'locations', 'deleted', 'deleted_at']
# Image attributes (not free-form properties); os_hidden is stored among
# the properties but is a base attribute to clients.
COLUMNS = ('id', 'name', 'visibility', 'protected', 'tags', 'owner',
           'container_format', 'disk_format', 'min_disk', 'min_ram')
BASE = frozenset(COLUMNS) | {'os_hidden'} | set(READ_ONLY)
# Glance's default image_property_quota and image_tag_quota.
PROPERTY_QUOTA = 128
TAG_QUOTA = 128
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
# Glance's PATCH content types and the JSON-patch draft each one speaks:
# v2.0 is draft 4 ({"replace": "/name", "value": ...}, what tempest's image
# client sends), v2.1 draft 10 ({"op": "replace", "path": "/name", ...}).
PATCH_TYPES = {'application/openstack-images-v2.0-json-patch': 4,
               PATCH_TYPE: 10}
_OPERATIONS = ('add', 'remove', 'replace')
_UUID = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
         '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')


def _ro(kind, desc):
    return {'type': kind, 'readOnly': True, 'description': desc}


IMAGE = {
    'name': 'image',
    'properties': {
        'id': dict(_ro('string', 'An identifier for the image'),
                   pattern=_UUID),
        'name': {'type': ['null', 'string'], 'maxLength': 255,
                 'description': 'Descriptive name for the image'},
        'status': dict(_ro('string', 'Status of the image'), enum=STATUSES),
        'visibility': {'type': 'string', 'enum': VISIBILITIES,
                       'description': 'Scope of image accessibility'},
        'protected': {'type': 'boolean',
                      'description': 'If true, image will not be deletable.'},
        'os_hidden': {'type': 'boolean', 'description':
                      'If true, image will not appear in default image '
                      'list response.'},
        'checksum': dict(_ro(['null', 'string'], 'md5 hash of image '
                             'contents.'), maxLength=32),
        'os_hash_algo': dict(_ro(['null', 'string'], 'Algorithm of '
                                 'os_hash_value'), maxLength=64),
        'os_hash_value': dict(_ro(['null', 'string'], 'Hexdigest of the '
                                  'image contents'), maxLength=128),
        'owner': {'type': ['null', 'string'], 'maxLength': 255,
                  'description': 'Owner of the image'},
        'size': _ro(['null', 'integer'], 'Size of image file in bytes'),
        'virtual_size': _ro(['null', 'integer'], 'Virtual size of image '
                            'in bytes'),
        'container_format': {'type': ['null', 'string'],
                             'enum': [None] + CONTAINER_FORMATS,
                             'description': 'Format of the container'},
        'disk_format': {'type': ['null', 'string'],
                        'enum': [None] + DISK_FORMATS,
                        'description': 'Format of the disk'},
        'created_at': _ro('string', 'Date and time of image registration'),
        'updated_at': _ro('string', 'Date and time of the last image '
                          'modification'),
        'tags': {'type': 'array', 'description': 'List of strings related '
                 'to the image', 'items': {'type': 'string',
                                           'maxLength': 255}},
        'direct_url': _ro('string', 'URL to access the image file kept in '
                          'external store'),
        'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT,
                    'description':
                    'Amount of ram (in MB) required to boot image.'},
        'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT,
                     'description':
                     'Amount of disk space (in GB) required to boot image.'},
        'self': _ro('string', 'An image self url'),
        'file': _ro('string', 'An image file url'),
        'stores': _ro('string', 'Store in which image data resides.'),
        'schema': _ro('string', 'An image schema url'),
        # From Glance's schema-image.json: AMI boots name their kernel and
        # ramdisk images by id.
        'kernel_id': {'type': ['null', 'string'], 'pattern': _UUID,
                      'description': 'ID of image stored in Glance that '
                      'should be used as the kernel when booting an '
                      'AMI-style image.'},
        'ramdisk_id': {'type': ['null', 'string'], 'pattern': _UUID,
                       'description': 'ID of image stored in Glance that '
                       'should be used as the ramdisk when booting an '
                       'AMI-style image.'},
    },
    # Any other key is a free-form string property, as in Glance.
    'additionalProperties': {'type': 'string'},
    'links': [{'rel': 'self', 'href': '{self}'},
              {'rel': 'enclosure', 'href': '{file}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}

IMAGES = {
    'name': 'images',
    'properties': {
        'images': {'type': 'array', 'items': IMAGE},
        'schema': {'type': 'string'},
        'first': {'type': 'string'},
        'next': {'type': 'string'},
    },
    'links': [{'rel': 'first', 'href': '{first}'},
              {'rel': 'next', 'href': '{next}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}

_VALIDATE = dict(copy.deepcopy(IMAGE), type='object')
_VALIDATE['properties']['id']['format'] = 'uuid'


def check_key(key, creating=False):
    """403 for what a client may not write (Glance's messages); ``id`` is
    writable at creation only."""
    if key in READ_ONLY and not (creating and key == 'id'):
        raise faults.Fault(403, "Attribute '%s' is read-only." % key)
    if key in RESERVED or key.startswith('os_glance'):
        raise faults.Fault(403, "Attribute '%s' is reserved." % key)


def check_publicize(visibility, is_admin):
    if visibility == 'public' and not is_admin:
        raise faults.Fault(403, 'You are not authorized to complete '
                                'publicize_image action.')


def validate(body):
    """400 unless ``body`` (attributes and properties) fits the schema."""
    validation.validate(_VALIDATE, body)
    if len([k for k in body if k not in BASE]) > PROPERTY_QUOTA:
        raise faults.Fault(413, 'Maximum number of properties (%d) '
                                'exceeded.' % PROPERTY_QUOTA)
    if len(body.get('tags') or ()) > TAG_QUOTA:
        raise faults.Fault(413, 'Maximum number of tags (%d) exceeded.'
                           % TAG_QUOTA)


def create_values(body, ctx):
    """Column values of a new image from a POST body."""
    for key in body:
        check_key(key, creating=True)
    owner = body.get('owner', ctx.project_id)
    if owner != ctx.project_id and not ctx.is_admin:
        raise faults.Fault(403, "You are not permitted to create images "
                                "owned by '%s'." % owner)
    validate(body)
    check_publicize(body.get('visibility'), ctx.is_admin)
    values = {k: body[k] for k in COLUMNS if k in body}
    values['properties'] = {k: v for k, v in body.items()
                            if k not in COLUMNS}
    if 'tags' in values:
        values['tags'] = sorted(set(values['tags']))
    values['status'] = 'queued'
    return values


def flatten(img):
    """The writable view of an image: attributes and properties."""
    body = {k: img[k] for k in COLUMNS}
    body.update(img['properties'] or {})
    body['os_hidden'] = bool(body.get('os_hidden', False))
    body['tags'] = list(body['tags'] or [])
    body['min_disk'] = body['min_disk'] or 0
    body['min_ram'] = body['min_ram'] or 0
    return body


def _decode_pointer(pointer):
    if not isinstance(pointer, str) or not pointer.startswith('/'):
        raise faults.bad_request('Pointer `%s` does not start with "/".'
                                 % pointer)
    parts = pointer[1:].split('/')
    if len(parts) != 1 or not parts[0]:
        raise faults.bad_request("Invalid JSON pointer for this resource: "
                                 "'%s'" % pointer)
    text = parts[0]
    if '~' in text.replace('~0', '').replace('~1', ''):
        raise faults.bad_request('Pointer `%s` contains "~" not part of a '
                                 'recognized escape sequence.' % pointer)
    return text.replace('~1', '/').replace('~0', '~')


def _draft4_op(item):
    """The operation of a draft-4 change: its one member named add,
    remove or replace (Glance's messages)."""
    found = [op for op in _OPERATIONS if op in item]
    if len(found) > 1:
        raise faults.bad_request('Operation objects must contain only one '
                                 'member named "add", "remove", or '
                                 '"replace".')
    if not found:
        raise faults.bad_request('Operation objects must contain exactly one '
                                 'member named "add", "remove", or '
                                 '"replace".')
    return found[0]


def parse_patch(raw, draft=10):
    """[(op, key, value)] from a JSON-patch request body: ``draft`` 10
    (v2.1: op/path members) or 4 (v2.0: the op names the path)."""
    try:
        doc = json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise faults.bad_request('Malformed request body')
    if not isinstance(doc, list):
        raise faults.bad_request('Request body must be a JSON array of '
                                 'operation objects.')
    changes = []
    for item in doc:
        if draft == 4:
            if not isinstance(item, dict):
                raise faults.bad_request('Operations must be JSON objects.')
            op = _draft4_op(item)
            if op != 'remove' and 'value' not in item:
                raise faults.bad_request('Operation "%s" requires a member '
                                         'named "value".' % op)
            changes.append((op, _decode_pointer(item[op]),
                            item.get('value')))
            continue
        if not isinstance(item, dict) or 'op' not in item \
                or 'path' not in item:
            raise faults.bad_request('Operation objects must contain '
                                     '"op" and "path" members.')
        if item['op'] not in ('add', 'replace', 'remove'):
            raise faults.bad_request('Invalid operation: `%s`.'
                                     % item['op'])
        if item['op'] != 'remove' and 'value' not in item:
            raise faults.bad_request('Operation "%s" requires a member '
                                     'named "value".' % item['op'])
        changes.append((item['op'], _decode_pointer(item['path']),
                        item.get('value')))
    return changes


def apply_patch(img, changes, is_admin):
    """Column values after applying ``changes`` to ``img``, as Glance does:
    403 read-only/reserved/base removal, 409 missing property, 400 schema."""
    body = flatten(img)
    for op, key, value in changes:
        check_key(key)
        if key == 'owner' and not is_admin:
            raise faults.Fault(403, "You are not permitted to modify "
                                    "'owner' on this image.")
        if key in ('container_format', 'disk_format') and \
                img['status'] not in ('queued', 'importing'):
            raise faults.Fault(403, 'Attribute %s can be only replaced for '
                                    'a queued image.' % key)
        if key in BASE:
            if op == 'remove':
                raise faults.Fault(403, 'Property %s may not be removed.'
                                   % key)
            body[key] = value
        elif op == 'remove' or (op == 'replace' and key not in body):
            if key not in body:
                raise faults.Fault(409, 'Property %s does not exist.' % key)
            del body[key]
        else:
            body[key] = value
    validate(body)
    if body['visibility'] != img['visibility']:
        check_publicize(body['visibility'], is_admin)
    values = {k: body.pop(k) for k in COLUMNS if k != 'id'}
    values['tags'] = sorted(set(values['tags']))
    body.pop('id')
    if not body.get('os_hidden'):
        body.pop('os_hidden', None)
    values['properties'] = body
    return values


def _bool(key, text):
    if text.lower() not in ('true', 'false'):
        raise faults.bad_request('Invalid value for %s: %s' % (key, text))
    return text.lower() == 'true'


def _int(key, text):
    try:
        return int(text)
    except ValueError:
        raise faults.bad_request('Invalid value for %s: %s' % (key, text))


def _in_list(text):
    # Glance's "in:" operator: in:a,b or in:"a,b",c
    if not text.startswith('in:'):
        return text
    return [v.strip().strip('"') for v in text[3:].split(',')]


def _sort(params):
    if 'sort' in params:
        if 'sort_key' in params or 'sort_dir' in params:
            raise faults.bad_request('The sort param is not compatible with '
                                     'sort_key/sort_dir.')
        pairs = []
        for part in params['sort'].split(','):
            key, _, direction = part.strip().partition(':')
            pairs.append((key, direction or 'desc'))
    else:
        keys = params.getall('sort_key') or []
        dirs = params.getall('sort_dir') or []
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise faults.bad_request('Number of sort dirs does not match '
                                     'the number of sort keys')
        pairs = [(k, dirs[i] if len(dirs) > 1 else
                  (dirs[0] if dirs else 'desc'))
                 for i, k in enumerate(keys)]
    for direction in params.getall('sort_dir'):
        if direction not in ('asc', 'desc'):
            raise faults.bad_request('Invalid sort direction: %s'
                                     % direction)
    for key, direction in pairs:
        if key not in ('name', 'status', 'container_format', 'disk_format',
                       'size', 'id', 'created_at', 'updated_at'):
            raise faults.bad_request('Invalid sort key: %s.' % key)
        if direction not in ('asc', 'desc'):
            raise faults.bad_request('Invalid sort direction: %s'
                                     % direction)
    return pairs


def list_query(params, default_limit, max_limit):
    """(filters, limit, marker, sort) from GET /v2/images parameters."""
    limit = params.get('limit', str(default_limit))
    if not limit.lstrip('-').isdigit():
        raise faults.bad_request('limit param must be an integer')
    if int(limit) < 0:
        raise faults.bad_request('limit param must be positive')
    filters, props = {}, {}
    for key, value in params.items():
        if key in ('limit', 'marker', 'sort', 'sort_key', 'sort_dir',
                   'member_status', 'tag'):
            continue
        if key in ('name', 'owner', 'disk_format', 'container_format'):
            filters[key] = _in_list(value)
        elif key == 'id':
            filters['ids'] = _in_list(value)
            if isinstance(filters['ids'], str):
                filters['ids'] = [filters['ids']]
        elif key == 'status':
            if value not in STATUSES:
                raise faults.bad_request('Invalid status value: %s' % value)
            filters[key] = value
        elif key == 'visibility':
            if value not in VISIBILITIES + ['all']:
                raise faults.bad_request('Invalid visibility value: %s'
                                         % value)
            filters[key] = value
        elif key in ('protected', 'os_hidden'):
            filters[key] = _bool(key, value)
        elif key in ('size_min', 'size_max'):
            filters[key] = _int(key, value)
        elif key in ('size', 'min_ram', 'min_disk'):
            # Glance filters on an image column of that name, not on a
            # property (tempest's test_list_images_param_size).
            filters[key] = _int(key, value)
        elif key == 'checksum':
            filters[key] = value
        elif key in ('created_at', 'updated_at'):
            raise faults.bad_request('Filtering on %s is not supported.'
                                     % key)
        else:
            props[key] = value
    filters['tags'] = params.getall('tag')
    filters['properties'] = props
    filters.setdefault('os_hidden', False)
    return (filters, min(int(limit), max_limit), params.get('marker'),
            _sort(params))
