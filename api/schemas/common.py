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

ip_address = {'type': 'string', 'oneOf': [{'format': 'ipv4'},
                                          {'format': 'ipv6'}]}
ipv4 = {'type': 'string', 'format': 'ipv4'}
ipv6 = {'type': 'string', 'format': 'ipv6'}


def to_bool(value):
    return str(value).lower() in ('true', '1', 'on', 'yes')
