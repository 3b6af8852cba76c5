"""Request bodies of os-services (Nova's schemas/services.py)."""

from novalite.api.schemas import common

_host_binary = {'host': common.name, 'binary': common.name}

service_update = {
    'type': 'object',
    'properties': dict(_host_binary,
                       disabled_reason={'type': 'string', 'minLength': 1,
                                        'maxLength': 255}),
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

service_update_v211 = {
    'type': 'object',
    'properties': dict(_host_binary,
                       disabled_reason={'type': 'string', 'minLength': 1,
                                        'maxLength': 255},
                       forced_down=common.boolean),
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

# 2.53: PUT /os-services/{service_id}
service_update_v253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': {'type': 'string', 'minLength': 1,
                            'maxLength': 255},
        'forced_down': common.boolean,
    },
    'additionalProperties': False,
}
