"""Parameter types shared by request schemas (after Nova's
nova/api/validation/parameter_types.py)."""

name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'format': 'name'}

# maxLength: int() refuses strings of over 4300 digits (a ValueError, not
# a 400); no count or size needs more than 255.
positive_integer = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                    'minimum': 1, 'minLength': 1, 'maxLength': 255}

non_negative_integer = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                        'minimum': 0, 'minLength': 1, 'maxLength': 255}

boolean = {'type': ['boolean', 'string'],
           'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
                    'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false',
                    '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}

metadata = {'type': 'object',
            'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {
                'type': 'string', 'maxLength': 255}},
            'additionalProperties': False}

description = {'type': ['string', 'null'], 'minLength': 0,
               'maxLength': 255}

# A server tag (2.26); a server has at most MAX_TAGS.
tag = {'type': 'string', 'minLength': 1, 'maxLength': 60,
       'pattern': '^[^,/]*$'}
MAX_TAGS = 50
tags = {'type': 'array', 'items': tag, 'maxItems': MAX_TAGS}

# Trusted image certificate ids (2.63).
trusted_certs = {'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
                 'uniqueItems': True,
                 'items': {'type': 'string', 'minLength': 1}}

# A compute host or hypervisor name (2.74), a server hostname (2.90) and,
# from 2.94, a fully qualified one.
host_name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': '^[a-zA-Z0-9-._]*$'}
hostname = {'type': 'string', 'minLength': 2, 'maxLength': 63,
            'pattern': '^[a-zA-Z0-9-._]*$'}
fqdn = {'type': 'string', 'minLength': 2, 'maxLength': 255,
        'pattern': '^[a-zA-Z0-9-._]*$'}

personality = {'type': 'array', 'items': {
    'type': 'object',
    'properties': {'path': {'type': 'string'},
                   'contents': {'type': 'string', 'format': 'base64'}},
    'additionalProperties': False}}

user_data_or_null = {'oneOf': [
    {'type': 'string', 'format': 'base64', 'maxLength': 65535},
    {'type': 'null'}]}

name_or_none = {'oneOf': [
    {'type': 'string', 'minLength': 1, 'maxLength': 255},
    {'type': 'null'}]}

ip_address = {'type': 'string', 'oneOf': [{'format': 'ipv4'},
                                          {'format': 'ipv6'}]}
ipv4 = {'type': 'string', 'format': 'ipv4'}
ipv6 = {'type': 'string', 'format': 'ipv6'}


def to_bool(value):
    return str(value).lower() in ('true', '1', 'on', 'yes')
