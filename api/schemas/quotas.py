"""PUT /os-quota-sets/<project> and /os-quota-class-sets/<class> bodies
per microversion (Nova's quota_sets and quota_classes schemas)."""

import copy

from novalite.api import quota
from novalite.api.schemas import common

MAX_INT = 2147483647
limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
         'minimum': -1, 'maximum': MAX_INT, 'maxLength': 255}


def _body(key, resources, force=False):
    props = {r: copy.deepcopy(limit) for r in resources}
    if force:
        props['force'] = common.boolean
    return {'type': 'object',
            'properties': {key: {'type': 'object', 'properties': props,
                                 'additionalProperties': False}},
            'required': [key], 'additionalProperties': False}


def update_quota_set(version):
    # Before 2.36 Nova's schema also takes the removed "networks" quota,
    # then answers 400 "The networks quota has been removed".
    resources = quota.visible(version)
    if version < '2.36':
        resources = resources + ['networks']
    return _body('quota_set', resources, force=True)


def update_quota_class_set(version):
    # Before 2.50 the server group limits are settable though not shown.
    resources = quota.visible(version, classes=True)
    if version < '2.50':
        resources = resources + list(quota.SERVER_GROUPS) + ['networks']
    return _body('quota_class_set', resources)
