"""POST /os-server-groups bodies per microversion (Nova's server_groups
schemas): ``policies``, a one-item list of affinity / anti-affinity, with
the soft policies from 2.15; from 2.64 one ``policy`` string and
``rules`` (``max_server_per_host``)."""

import copy

from novalite.api.schemas import common

_HARD = ['anti-affinity', 'affinity']
_SOFT = ['soft-anti-affinity', 'soft-affinity']

create = {
    'type': 'object',
    'properties': {
        'server_group': {
            'type': 'object',
            'properties': {
                'name': common.name,
                'policies': {
                    'type': 'array',
                    'items': [{'type': 'string', 'enum': list(_HARD)}],
                    'uniqueItems': True,
                    'minItems': 1,
                    'maxItems': 1,
                    'additionalItems': False,
                },
            },
            'required': ['name', 'policies'],
            'additionalProperties': False,
        },
    },
    'required': ['server_group'],
    'additionalProperties': False,
}

create_v215 = copy.deepcopy(create)
create_v215['properties']['server_group']['properties']['policies'][
    'items'][0]['enum'] = _HARD + _SOFT

create_v264 = copy.deepcopy(create_v215)
_body = create_v264['properties']['server_group']
del _body['properties']['policies']
_body['required'] = ['name', 'policy']
_body['properties']['policy'] = {'type': 'string', 'enum': _HARD + _SOFT}
_body['properties']['rules'] = {
    'type': 'object',
    'properties': {'max_server_per_host': common.positive_integer},
    'additionalProperties': False,
}

# The ``group`` scheduler hint of POST /servers.
group_hint = {
    'type': 'object',
    'properties': {'group': {'type': 'string', 'format': 'uuid'}},
}


def create_schema(version):
    if version >= '2.64':
        return create_v264
    if version >= '2.15':
        return create_v215
    return create
