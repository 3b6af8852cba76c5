"""Request bodies of os-aggregates (Nova's schemas/aggregates.py)."""

import copy

from novalite.api.schemas import common

az_name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
           'pattern': '^[^:]*$', 'format': 'name'}
availability_zone = {'oneOf': [az_name, {'type': 'null'}]}

create = {
    'type': 'object',
    'properties': {'aggregate': {
        'type': 'object',
        'properties': {'name': common.name,
                       'availability_zone': availability_zone},
        'required': ['name'],
        'additionalProperties': False,
    }},
    'required': ['aggregate'],
    'additionalProperties': False,
}

update = copy.deepcopy(create)
update['properties']['aggregate'].pop('required')
update['properties']['aggregate']['anyOf'] = [
    {'required': ['name']}, {'required': ['availability_zone']}]


def _host_action(name):
    return {
        'type': 'object',
        'properties': {name: {
            'type': 'object',
            'properties': {'host': {'type': 'string', 'minLength': 1,
                                    'maxLength': 255}},
            'required': ['host'],
            'additionalProperties': False,
        }},
        'required': [name],
        'additionalProperties': False,
    }


add_host = _host_action('add_host')
remove_host = _host_action('remove_host')

set_metadata = {
    'type': 'object',
    'properties': {'set_metadata': {
        'type': 'object',
        'properties': {'metadata': {
            'type': 'object',
            'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {
                'type': ['string', 'null'], 'maxLength': 255}},
            'additionalProperties': False,
        }},
        'required': ['metadata'],
        'additionalProperties': False,
    }},
    'required': ['set_metadata'],
    'additionalProperties': False,
}
