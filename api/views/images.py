"""Glance v2 image bodies and the version document of /image."""

_TIME = '%Y-%m-%dT%H:%M:%SZ'


def _time(value):
    return value.strftime(_TIME) if value else None


def image(img):
    body = dict(img.get('properties') or {})
    body.update({
        'id': img['id'], 'name': img['name'], 'status': img['status'],
        'visibility': img['visibility'], 'protected': bool(img['protected']),
        'tags': list(img['tags'] or []),
        'container_format': img['container_format'],
        'disk_format': img['disk_format'],
        'min_disk': img['min_disk'] or 0, 'min_ram': img['min_ram'] or 0,
        'size': img['size'], 'virtual_size': img['virtual_size'],
        'checksum': img['checksum'], 'os_hash_algo': img['os_hash_algo'],
        'os_hash_value': img['os_hash_value'], 'owner': img['owner'],
        'os_hidden': False,
        'created_at': _time(img['created_at']),
        'updated_at': _time(img['updated_at'] or img['created_at']),
        'self': '/v2/images/%s' % img['id'],
        'file': '/v2/images/%s/file' % img['id'],
        'schema': '/v2/schemas/image',
    })
    return body


def versions(base):
    href = base + '/image/v2/'
    minors = range(9, -1, -1)
    return {'versions': [
        {'id': 'v2.%d' % m, 'status': 'CURRENT' if m == 9 else 'SUPPORTED',
         'links': [{'rel': 'self', 'href': href}]} for m in minors]}
