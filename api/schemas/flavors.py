"""POST /flavors and PUT /flavors/<id> bodies (Nova's flavor_manage)."""

import copy

from novalite.api.schemas import common

create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': common.name,
                'id': {'type': ['string', 'number', 'null'],
                       'minLength': 1, 'maxLength': 255,
                       'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
                'ram': common.positive_integer,
                'vcpus': common.positive_integer,
                'disk': common.non_negative_integer,
                'OS-FLV-EXT-DATA:ephemeral': common.non_negative_integer,
                'swap': common.non_negative_integer,
                'rxtx_factor': {'type': ['number', 'string'],
                                'pattern': r'^[0-9]+(\.[0-9]+)?$',
                                'minimum': 0, 'exclusiveMinimum': True,
                                'maximum': 3.40282e38},
                'os-flavor-access:is_public': common.boolean,
            },
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

# 2.55: a description on create, and PUT /flavors/<id> to change it.
flavor_description = {'type': ['string', 'null'], 'minLength': 0,
                      'maxLength': 65535,
                      'pattern': r'^[^\x00-\x1F\x7F]*$'}

create_v255 = copy.deepcopy(create)
create_v255['properties']['flavor']['properties']['description'] = \
    flavor_description

update_v255 = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {'description': flavor_description},
            'required': ['description'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}


def create_schema(version):
    return create_v255 if version >= '2.55' else create
