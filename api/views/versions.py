"""Nova's version documents (GET / and GET /v2.1)."""

from novalite.api import microversion

_V21_UPDATED = '2013-07-23T11:33:21Z'
_V20_UPDATED = '2011-01-21T11:33:21Z'
_MEDIA_TYPES = [{'base': 'application/json',
                 'type': 'application/vnd.openstack.compute+json;version=2.1'}]


def _v21(base):
    return {'id': 'v2.1', 'status': 'CURRENT',
            'version': microversion.MAX_VERSION,
            'min_version': microversion.MIN_VERSION,
            'updated': _V21_UPDATED,
            'links': [{'rel': 'self', 'href': base + '/v2.1/'}]}


def versions(base):
    v20 = {'id': 'v2.0', 'status': 'SUPPORTED', 'version': '',
           'min_version': '', 'updated': _V20_UPDATED,
           'links': [{'rel': 'self', 'href': base + '/v2/'}]}
    return {'versions': [v20, _v21(base)]}


def version_v21(base):
    doc = _v21(base)
    doc['links'].append({'rel': 'describedby', 'type': 'text/html',
                         'href': 'http://docs.openstack.org/'})
    doc['media-types'] = _MEDIA_TYPES
    return {'version': doc}
