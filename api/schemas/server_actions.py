"""Request bodies of POST /servers/<id>/action (after Nova's schemas:
reboot.py, servers.py (rebuild, create_image), console_output.py). The
actions without a schema in Nova (os-stop, pause, lock, ...) take any value
under their key, as Nova accepts ``{"pause": null}``."""

import copy

from novalite.api.schemas import common

reboot = {
    'type': 'object',
    'properties': {
        'reboot': {
            'type': 'object',
            'properties': {
                'type': {'type': 'string',
                         'enum': ['HARD', 'Hard', 'hard',
                                  'SOFT', 'Soft', 'soft']},
            },
            'required': ['type'],
            'additionalProperties': False,
        },
    },
    'required': ['reboot'],
    'additionalProperties': False,
}

_rebuild = {
    'type': 'object',
    'properties': {
        'name': common.name,
        'imageRef': {'type': 'string', 'format': 'uuid'},
        'adminPass': {'type': 'string'},
        'metadata': common.metadata,
        'preserve_ephemeral': common.boolean,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': common.ipv4,
        'accessIPv6': common.ipv6,
        'personality': {'type': 'array', 'items': {'type': 'object'}},
    },
    'required': ['imageRef'],
    'additionalProperties': False,
}

rebuild_v21 = {
    'type': 'object',
    'properties': {'rebuild': _rebuild},
    'required': ['rebuild'],
    'additionalProperties': False,
}

rebuild_v219 = copy.deepcopy(rebuild_v21)
rebuild_v219['properties']['rebuild']['properties']['description'] = \
    common.description



def _props(schema):
    return schema['properties']['rebuild']['properties']


rebuild_v254 = copy.deepcopy(rebuild_v219)
_props(rebuild_v254)['key_name'] = common.name_or_none

rebuild_v257 = copy.deepcopy(rebuild_v254)
del _props(rebuild_v257)['personality']
_props(rebuild_v257)['user_data'] = common.user_data_or_null

rebuild_v263 = copy.deepcopy(rebuild_v257)
_props(rebuild_v263)['trusted_image_certificates'] = common.trusted_certs

rebuild_v290 = copy.deepcopy(rebuild_v263)
_props(rebuild_v290)['hostname'] = common.hostname

rebuild_v294 = copy.deepcopy(rebuild_v290)
_props(rebuild_v294)['hostname'] = common.fqdn

_REBUILD = (('2.94', rebuild_v294), ('2.90', rebuild_v290),
            ('2.63', rebuild_v263), ('2.57', rebuild_v257),
            ('2.54', rebuild_v254), ('2.19', rebuild_v219))


def rebuild_schema(version):
    for floor, schema in _REBUILD:
        if version >= floor:
            return schema
    return rebuild_v21


# Before 2.73 ``lock`` takes any value (Nova has no schema for it).
lock_v273 = {
    'type': 'object',
    'properties': {
        'lock': {
            'type': ['object', 'null'],
            'properties': {
                'locked_reason': {'type': 'string', 'minLength': 1,
                                  'maxLength': 255},
            },
            'additionalProperties': False,
        },
    },
    'required': ['lock'],
    'additionalProperties': False,
}


create_image = {
    'type': 'object',
    'properties': {
        'createImage': {
            'type': 'object',
            'properties': {
                'name': common.name,
                'metadata': common.metadata,
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['createImage'],
    'additionalProperties': False,
}

get_console_output = {
    'type': 'object',
    'properties': {
        'os-getConsoleOutput': {
            'type': 'object',
            'properties': {
                'length': {
                    'type': ['integer', 'string', 'null'],
                    'pattern': '^-?[0-9]+$',
                    # -1 (and null) mean the whole log, as in Nova.
                    'minimum': -1,
                },
            },
            'additionalProperties': False,
        },
    },
    'required': ['os-getConsoleOutput'],
    'additionalProperties': False,
}
