"""POST /os-keypairs bodies per microversion (Nova's keypairs schemas):
``type`` from 2.2, ``user_id`` from 2.10, and from 2.92 a public key is
required (no generated keys) and names may also hold '@' and '.'."""

import copy
import string

from novalite.api.schemas import common
from novalite.api import validation

_SAFE_20 = '_- ' + string.digits + string.ascii_letters
_SAFE_292 = '@._- ' + string.digits + string.ascii_letters


def _name_check(safe):
    def check(value):
        if isinstance(value, str) and any(c not in safe for c in value):
            raise validation.InvalidName(
                "An invalid 'name' value was provided. Only expected "
                "characters: [%s]" % safe)
        return True
    return check


validation.format_check(
    'keypair_name_20', raises=validation.InvalidName)(_name_check(_SAFE_20))
validation.format_check(
    'keypair_name_292', raises=validation.InvalidName)(
    _name_check(_SAFE_292))


def _name(fmt):
    return {'allOf': [common.name, {'type': 'string', 'minLength': 1,
                                    'maxLength': 255, 'format': fmt}]}


create = {
    'type': 'object',
    'properties': {
        'keypair': {
            'type': 'object',
            'properties': {
                'name': _name('keypair_name_20'),
                'public_key': {'type': 'string'},
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['keypair'],
    'additionalProperties': False,
}

create_v22 = copy.deepcopy(create)
create_v22['properties']['keypair']['properties']['type'] = {
    'type': 'string', 'enum': ['ssh', 'x509']}

create_v210 = copy.deepcopy(create_v22)
create_v210['properties']['keypair']['properties']['user_id'] = {
    'type': 'string'}

create_v292 = copy.deepcopy(create_v210)
create_v292['properties']['keypair']['properties']['name'] = _name(
    'keypair_name_292')
create_v292['properties']['keypair']['required'] = ['name', 'public_key']


def create_schema(version):
    if version >= '2.92':
        return create_v292
    if version >= '2.10':
        return create_v210
    if version >= '2.2':
        return create_v22
    return create
