"""POST /servers bodies per microversion (after Nova's schemas/servers.py)."""

import copy

from novalite.api.schemas import common

_network = {
    'type': 'object',
    'properties': {
        'fixed_ip': common.ip_address,
        'port': {'oneOf': [{'type': 'string', 'format': 'uuid'},
                           {'type': 'null'}]},
        'uuid': {'type': 'string'},
    },
    'additionalProperties': False,
}

_server = {
    'type': 'object',
    'properties': {
        'name': common.name,
        'imageRef': {'oneOf': [{'type': 'string', 'format': 'uuid'},
                               {'type': 'string', 'maxLength': 0}]},
        'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
        'adminPass': {'type': 'string'},
        'metadata': common.metadata,
        'networks': {'type': 'array', 'items': _network},
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': common.ipv4,
        'accessIPv6': common.ipv6,
        'personality': {'type': 'array', 'items': {
            'type': 'object',
            'properties': {'path': {'type': 'string'},
                           'contents': {'type': 'string',
                                        'format': 'base64'}},
            'additionalProperties': False}},
        'availability_zone': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
        'block_device_mapping': {'type': 'array'},
        'block_device_mapping_v2': {'type': 'array'},
        'config_drive': common.boolean,
        'key_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'min_count': common.positive_integer,
        'max_count': common.positive_integer,
        'return_reservation_id': common.boolean,
        'security_groups': {
            'type': 'array',
            'items': {'type': 'object',
                      'properties': {'name': {'type': 'string',
                                              'minLength': 1,
                                              'maxLength': 255}},
                      'additionalProperties': False}},
        'user_data': {'type': 'string', 'format': 'base64',
                      'maxLength': 65535},
    },
    'required': ['name', 'flavorRef'],
    'additionalProperties': False,
}

create_v21 = {
    'type': 'object',
    'properties': {
        'server': _server,
        'os:scheduler_hints': {'type': 'object'},
        'OS-SCH-HNT:scheduler_hints': {'type': 'object'},
    },
    'required': ['server'],
    'additionalProperties': False,
}

create_v219 = copy.deepcopy(create_v21)
create_v219['properties']['server']['properties']['description'] = \
    common.description

# 2.32 .. 2.36: a device tag on each requested network (Nova's 2.33
# schema; 2.37 dropped it again by mistake, 2.42 brought it back).
_tag = common.tag
create_v232 = copy.deepcopy(create_v219)
create_v232['properties']['server']['properties']['networks']['items'][
    'properties']['tag'] = _tag


def _networks_v237(tagged):
    item = copy.deepcopy(_network)
    item['properties']['uuid'] = {'type': 'string', 'format': 'uuid'}
    if tagged:
        item['properties']['tag'] = _tag
    return {'oneOf': [{'type': 'array', 'items': item},
                      {'type': 'string', 'enum': ['none', 'auto']}]}


def _server_props(schema):
    return schema['properties']['server']['properties']


create_v237 = copy.deepcopy(create_v219)
_server_props(create_v237)['networks'] = _networks_v237(tagged=False)
create_v237['properties']['server']['required'].append('networks')

create_v242 = copy.deepcopy(create_v237)
_server_props(create_v242)['networks'] = _networks_v237(tagged=True)

create_v252 = copy.deepcopy(create_v242)
_server_props(create_v252)['tags'] = common.tags

create_v257 = copy.deepcopy(create_v252)
del _server_props(create_v257)['personality']

create_v263 = copy.deepcopy(create_v257)
_server_props(create_v263)['trusted_image_certificates'] = \
    common.trusted_certs

create_v274 = copy.deepcopy(create_v263)
_server_props(create_v274)['host'] = common.host_name
_server_props(create_v274)['hypervisor_hostname'] = common.host_name

create_v290 = copy.deepcopy(create_v274)
_server_props(create_v290)['hostname'] = common.hostname

create_v294 = copy.deepcopy(create_v290)
_server_props(create_v294)['hostname'] = common.fqdn

_CREATE = (('2.94', create_v294), ('2.90', create_v290),
           ('2.74', create_v274), ('2.63', create_v263),
           ('2.57', create_v257), ('2.52', create_v252),
           ('2.42', create_v242), ('2.37', create_v237),
           ('2.32', create_v232), ('2.19', create_v219))


def _pick(table, version, default):
    for floor, schema in table:
        if version >= floor:
            return schema
    return default


def create_schema(version):
    return _pick(_CREATE, version, create_v21)


# -- PUT /servers/<id> --------------------------------------------------------

update_v21 = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': common.name,
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
                'accessIPv4': common.ipv4,
                'accessIPv6': common.ipv6,
            },
            'additionalProperties': False,
        },
    },
    'required': ['server'],
    'additionalProperties': False,
}

update_v219 = copy.deepcopy(update_v21)
_server_props(update_v219)['description'] = common.description

update_v290 = copy.deepcopy(update_v219)
_server_props(update_v290)['hostname'] = common.hostname

update_v294 = copy.deepcopy(update_v290)
_server_props(update_v294)['hostname'] = common.fqdn


def update_schema(version):
    return _pick((('2.94', update_v294), ('2.90', update_v290),
                  ('2.19', update_v219)), version, update_v21)
