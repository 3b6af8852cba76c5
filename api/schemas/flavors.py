"""POST /flavors body (Nova's flavor_manage create, 2.1)."""

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
