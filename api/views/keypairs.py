"""Key pair bodies as Nova shows them per microversion: ``type`` from
2.2; ``user_id`` on create and show; the database fields on show."""


def _time(value):
    return (value.isoformat(timespec='microseconds')
            if value is not None else None)


def basic(kp, version):
    body = {'name': kp['name'], 'public_key': kp['public_key'],
            'fingerprint': kp['fingerprint']}
    if version >= '2.2':
        body['type'] = kp['type']
    return body


def created(kp, version, private_key=None):
    body = basic(kp, version)
    body['user_id'] = kp['user_id']
    if private_key is not None:
        body['private_key'] = private_key
    return body


def detail(kp, version):
    body = created(kp, version)
    body.update({'id': kp['id'], 'created_at': _time(kp['created_at']),
                 'updated_at': _time(kp['updated_at']),
                 'deleted_at': None, 'deleted': False})
    return body
