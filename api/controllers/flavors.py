"""/v2.1/flavors: list, detail, show; create and delete for admins."""

import pecan

from novalite.api.controllers import flavor_extras
from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.api.schemas import common
from novalite.api.schemas import flavors as schema
from novalite.api import validation
from novalite.api.views import flavors as view
from novalite.common.db import flavors as flavors_db

_SORT_KEYS = {'id': 'id', 'flavorid': 'flavorid', 'name': 'name',
              'memory_mb': 'memory_mb', 'vcpus': 'vcpus',
              'root_gb': 'root_gb', 'ephemeral_gb': 'ephemeral_gb',
              'swap': 'swap', 'rxtx_factor': 'rxtx_factor',
              'created_at': 'created_at'}


def _int_param(params, key):
    value = params.get(key)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise faults.bad_request('Invalid %s filter [%s]' % (key, value))
    return number


def _authorize(conf, ctx, action):
    """Nova's ``os-flavor-manage`` rules (admin by default), checked before
    the flavor is looked up: flavors are not a project's resource."""
    policy.authorize(conf, ctx, 'os_compute_api:os-flavor-manage:%s' % action,
                     {})


class FlavorController:
    """/flavors/<id>"""

    def __init__(self, conf, flavorid):
        self.conf = conf
        self.flavorid = flavorid
        pecan.route(self, 'os-extra_specs',
                    flavor_extras.FlavorExtraSpecsController(conf, flavorid))
        pecan.route(self, 'os-flavor-access',
                    flavor_extras.FlavorAccessController(conf, flavorid))
        self.action = flavor_extras.FlavorActionController(conf, flavorid)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        # A private flavor is a 404 to projects it is not shared with.
        flavor = flavor_extras.get_visible(request_env.context(),
                                           self.flavorid)
        return {'flavor': view.detail(flavor,
                                      request_env.compute_prefixes(self.conf),
                                      request_env.api_version())}

    @index.when(method='PUT', template='json')
    def index_put(self):
        """PUT /flavors/<id> (2.55): change the description."""
        version = request_env.api_version()
        if version < '2.55':
            raise faults.Fault(404, 'The resource could not be found.')
        ctx = request_env.context()
        _authorize(self.conf, ctx, 'update')
        body = request_env.json_body()
        validation.validate(schema.update_v255, body)
        flavor = flavors_db.update_description(
            ctx, self.flavorid, body['flavor']['description'])
        return {'flavor': view.detail(flavor,
                                      request_env.compute_prefixes(self.conf),
                                      version)}

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        _authorize(self.conf, ctx, 'delete')
        flavors_db.destroy(ctx, self.flavorid)
        request_env.set_status(202)
        return ''


class FlavorsController:
    """/flavors"""

    def __init__(self, conf):
        self.conf = conf

    def _list(self, builder):
        ctx = request_env.context()
        params = request_env.params()
        filters = {'min_memory_mb': _int_param(params, 'minRam'),
                   'min_root_gb': _int_param(params, 'minDisk')}
        is_public = params.get('is_public')
        if not ctx.is_admin:
            filters['is_public'] = True
            filters['project_id'] = ctx.project_id
        elif is_public is not None and is_public.lower() == 'none':
            filters['is_public'] = None
        elif is_public is not None:
            filters['is_public'] = common.to_bool(is_public)
        sort_key = params.get('sort_key', 'flavorid')
        sort_dir = params.get('sort_dir', 'asc')
        if sort_key not in _SORT_KEYS or sort_dir not in ('asc', 'desc'):
            raise faults.bad_request('Invalid sort key or direction')
        limit = _int_param(params, 'limit')
        limit = min(limit if limit is not None else self.conf.api.max_limit,
                    self.conf.api.max_limit)
        found = flavors_db.get_all(ctx, filters, sort_key=sort_key,
                                   sort_dir=sort_dir, limit=limit,
                                   marker=params.get('marker'))
        prefixes = request_env.compute_prefixes(self.conf)
        version = request_env.api_version()
        return {'flavors': [builder(f, prefixes, version) for f in found]}

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        return self._list(view.basic)

    @pecan.expose('json')
    def detail(self):
        return self._list(view.detail)

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        _authorize(self.conf, ctx, 'create')
        body = request_env.json_body()
        version = request_env.api_version()
        validation.validate(schema.create_schema(version), body)
        req = body['flavor']
        flavorid = req.get('id')
        values = {
            'flavorid': str(flavorid) if flavorid is not None else None,
            'name': req['name'], 'memory_mb': int(req['ram']),
            'vcpus': int(req['vcpus']), 'root_gb': int(req['disk']),
            'ephemeral_gb': int(req.get('OS-FLV-EXT-DATA:ephemeral', 0)),
            'swap': int(req.get('swap', 0)),
            'rxtx_factor': float(req.get('rxtx_factor', 1.0)),
            'is_public': common.to_bool(
                req.get('os-flavor-access:is_public', True)),
            'description': req.get('description'),
        }
        flavor = flavors_db.create(ctx, values)
        return {'flavor': view.detail(flavor,
                                      request_env.compute_prefixes(self.conf),
                                      version)}

    @pecan.expose()
    def _lookup(self, flavorid, *remainder):
        return FlavorController(self.conf, flavorid), remainder
