"""/v2.1/os-keypairs: list (2.35: limit/marker), create or import, show,
delete; a user's own key pairs, another user's for an admin (2.10
``user_id``). Nova's bodies, status codes and messages per microversion."""

import pecan

from novalite.api import faults
from novalite.api import keypair_crypto
from novalite.api import policy
from novalite.api import quota
from novalite.api import request_env
from novalite.api.schemas import keypairs as schema
from novalite.api import validation
from novalite.api.views import keypairs as view
from novalite.api.views import links
from novalite.common.db import keypairs as keypairs_db
from novalite.common import exception

P = 'os_compute_api:os-keypairs:%s'


def strict_query(version, allowed):
    """From 2.75 Nova refuses query parameters its schema does not name."""
    if version >= '2.75':
        for key in request_env.params():
            if key not in allowed:
                raise faults.bad_request(
                    "Additional properties are not allowed ('%s' was "
                    "unexpected)" % key)


def _user_id(ctx, version):
    """The ``user_id`` query parameter (2.10) or the caller."""
    if version >= '2.10':
        value = request_env.params().get('user_id')
        if value:
            return value
    return ctx.user_id


def _authorize(conf, ctx, action, user_id):
    policy.authorize(conf, ctx, P % action,
                     {'user_id': user_id, 'project_id': ctx.project_id})


def _limit_marker(conf, params):
    limit = params.get('limit')
    if limit is not None:
        if not limit.isascii() or not limit.isdigit() or len(limit) > 18:
            raise faults.bad_request('limit param must be an integer')
        limit = int(limit)
        if limit < 0:
            raise faults.bad_request('limit param must be positive')
        limit = min(limit, conf.api.max_limit)
    return limit, params.get('marker')


class KeypairController:
    """/os-keypairs/<name>"""

    def __init__(self, conf, name):
        self.conf = conf
        self.name = name

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        version = request_env.api_version()
        strict_query(version, ('user_id',))
        user_id = _user_id(ctx, version)
        _authorize(self.conf, ctx, 'show', user_id)
        try:
            kp = keypairs_db.get(ctx, user_id, self.name)
        except exception.NovaliteException as exc:
            raise faults.Fault(exc.code, exc.message)
        return {'keypair': view.detail(kp, version)}

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        version = request_env.api_version()
        strict_query(version, ('user_id',))
        user_id = _user_id(ctx, version)
        _authorize(self.conf, ctx, 'delete', user_id)
        try:
            keypairs_db.destroy(ctx, user_id, self.name)
        except exception.NovaliteException as exc:
            raise faults.Fault(exc.code, exc.message)
        request_env.set_status(202 if version < '2.2' else 204)
        return ''


class KeypairsController:
    """/os-keypairs"""

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        version = request_env.api_version()
        strict_query(version, ('user_id', 'limit', 'marker'))
        user_id = _user_id(ctx, version)
        _authorize(self.conf, ctx, 'index', user_id)
        params = request_env.params()
        limit = marker = None
        if version >= '2.35':
            limit, marker = _limit_marker(self.conf, params)
        try:
            found = keypairs_db.get_all(ctx, user_id, limit=limit,
                                        marker=marker)
        except exception.NovaliteException as exc:
            raise faults.Fault(exc.code, exc.message)
        body = {'keypairs': [{'keypair': view.basic(kp, version)}
                             for kp in found]}
        if version >= '2.35' and found and limit and len(found) == limit:
            prefix = request_env.compute_prefixes(self.conf)[0]
            body['keypairs_links'] = links.next_link(
                prefix + '/os-keypairs', params, found[-1]['name'])
        return body

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        version = request_env.api_version()
        body = request_env.json_body()
        validation.validate(schema.create_schema(version), body)
        req = body['keypair']
        name = req['name']
        key_type = req.get('type', keypair_crypto.SSH)
        user_id = (req.get('user_id') if version >= '2.10' else None) \
            or ctx.user_id
        _authorize(self.conf, ctx, 'create', user_id)
        private_key = None
        if 'public_key' in req:
            public_key = req['public_key']
            fingerprint = keypair_crypto.fingerprint(public_key, key_type)
        elif key_type == keypair_crypto.X509:
            private_key, public_key, fingerprint = \
                keypair_crypto.generate_x509(user_id)
        else:
            private_key, public_key, fingerprint = \
                keypair_crypto.generate_ssh()
        try:
            kp = keypairs_db.create(ctx, {
                'name': name, 'user_id': user_id, 'type': key_type,
                'public_key': public_key, 'fingerprint': fingerprint},
                check=quota.keypair_check(self.conf, ctx, user_id))
        except exception.NovaliteException as exc:
            raise faults.Fault(exc.code, exc.message)
        if version >= '2.2':
            request_env.set_status(201)
        return {'keypair': view.created(kp, version, private_key)}

    @pecan.expose()
    def _lookup(self, name, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return KeypairController(self.conf, name), remainder
