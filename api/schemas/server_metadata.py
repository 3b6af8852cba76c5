"""Request bodies of /servers/<id>/metadata (Nova's server_metadata
schemas): ``{"metadata": {...}}`` for the collection, ``{"meta": {k: v}}``
(exactly one item) for one key."""

import copy

from novalite.api.schemas import common

create = {
    'type': 'object',
    'properties': {'metadata': common.metadata},
    'required': ['metadata'],
    'additionalProperties': False,
}

update_all = create

_one_item = copy.deepcopy(common.metadata)
_one_item.update({'minProperties': 1, 'maxProperties': 1})

update = {
    'type': 'object',
    'properties': {'meta': _one_item},
    'required': ['meta'],
    'additionalProperties': False,
}
