"""/identity: an Identity v3 *version document* and nothing else.

Under noauth2 there is no Keystone, but python-openstackclient builds an
identity v3 client eagerly (``openstack server list`` does, even without
--project), and that needs a version document at the identity endpoint.
Serving one keeps such clients working unchanged; no identity API is
served. Real Keystone replaces this with ``[api] auth_strategy = keystone``.
"""

import pecan

from novalite.api import request_env


def _version(base):
    return {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': base + '/identity/v3/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.identity-v3+json'}]}


class V3Controller:

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        return {'version': _version(request_env.base_url(self.conf))}


class IdentityController:

    def __init__(self, conf):
        self.conf = conf
        self.v3 = V3Controller(conf)

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        return {'versions': {'values': [
            _version(request_env.base_url(self.conf))]}}
