"""POST /image/v2/images body (Glance v2 image schema, the writable part)."""

DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed']
READ_ONLY = ['status', 'size', 'virtual_size', 'checksum', 'os_hash_algo',
             'os_hash_value', 'owner', 'created_at', 'updated_at', 'self',
             'file', 'schema', 'direct_url', 'locations']

create = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string', 'format': 'uuid'},
        'name': {'type': ['null', 'string'], 'maxLength': 255},
        'visibility': {'type': 'string',
                       'enum': ['public', 'private', 'shared', 'community']},
        'protected': {'type': 'boolean'},
        'os_hidden': {'type': 'boolean'},
        'tags': {'type': 'array',
                 'items': {'type': 'string', 'maxLength': 255}},
        'container_format': {'type': ['null', 'string'],
                             'enum': [None] + CONTAINER_FORMATS},
        'disk_format': {'type': ['null', 'string'],
                        'enum': [None] + DISK_FORMATS},
        'min_disk': {'type': 'integer', 'minimum': 0},
        'min_ram': {'type': 'integer', 'minimum': 0},
    },
    # Any other key is a free-form string property, as in Glance.
    'additionalProperties': {'type': 'string', 'maxLength': 255},
}
