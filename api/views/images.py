"""Glance v2 image bodies, image lists and the version document of /image."""

import urllib.parse

_TIME = '%Y-%m-%dT%H:%M:%SZ'


def _time(value):
    return value.strftime(_TIME) if value else None


def image(img):
    props = dict(img.get('properties') or {})
    hidden = bool(props.pop('os_hidden', False))
    body = props
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
        'os_hidden': hidden,
        'created_at': _time(img['created_at']),
        'updated_at': _time(img['updated_at'] or img['created_at']),
        'self': '/v2/images/%s' % img['id'],
        'file': '/v2/images/%s/file' % img['id'],
        'schema': '/v2/schemas/image',
    })
    return body


def images(found, params, limit):
    """The list body; ``next`` (the request's parameters with the last
    image as marker) when the page is full, as Glance does."""
    query = [(k, v) for k, v in params.items() if k != 'marker']
    first = '/v2/images'
    if query:
        first += '?' + urllib.parse.urlencode(query)
    body = {'images': [image(i) for i in found],
            'schema': '/v2/schemas/images', 'first': first}
    if found and len(found) >= limit:
        query.append(('marker', found[-1]['id']))
        body['next'] = '/v2/images?' + urllib.parse.urlencode(query)
    return body


def versions(base):
    href = base + '/image/v2/'
    minors = range(9, -1, -1)
    return {'versions': [
        {'id': 'v2.%d' % m, 'status': 'CURRENT' if m == 9 else 'SUPPORTED',
         'links': [{'rel': 'self', 'href': href}]} for m in minors]}
