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


def rebuild_schema(version):
    return rebuild_v219 if version >= '2.19' else rebuild_v21


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
