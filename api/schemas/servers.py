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
        'personality': {'type': 'array', 'items': {'type': 'object'}},
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

create_v232 = copy.deepcopy(create_v219)
create_v232['properties']['server']['properties']['networks']['items'][
    'properties']['tag'] = {'type': 'string', 'maxLength': 60,
                            'pattern': '^[^,/]*$'}

create_v237 = copy.deepcopy(create_v232)
_net_237 = create_v237['properties']['server']['properties']['networks']
create_v237['properties']['server']['properties']['networks'] = {
    'oneOf': [_net_237, {'type': 'string', 'enum': ['none', 'auto']}]}
create_v237['properties']['server']['required'].append('networks')


def create_schema(version):
    for floor, schema in (('2.37', create_v237), ('2.32', create_v232),
                          ('2.19', create_v219)):
        if version >= floor:
            return schema
    return create_v21
