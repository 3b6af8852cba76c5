"""/v2.1/os-quota-sets/<project>[/defaults|/detail] (per project or, with
``?user_id=``, per user) and /v2.1/os-quota-class-sets/<class>: Nova's
bodies, checks and messages; the keys each microversion shows."""

import pecan

from novalite.api import faults
from novalite.api.controllers import keypairs
from novalite.api import policy
from novalite.api import quota
from novalite.api import request_env
from novalite.api.schemas import common
from novalite.api.schemas import quotas as schema
from novalite.api import validation
from novalite.common.db import quotas as quotas_db

QS = 'os_compute_api:os-quota-sets:%s'
QCS = 'os_compute_api:os-quota-class-sets:%s'


def _format(values, keys, ident=None):
    body = {} if ident is None else {'id': str(ident)}
    body.update({k: values[k] for k in keys})
    return body


def _user_id():
    keypairs.strict_query(request_env.api_version(), ('user_id',))
    return request_env.params().get('user_id') or None


def _limits(conf, ctx, project_id, user_id):
    if user_id:
        return quota.user_limits(conf, ctx, project_id, user_id)
    return quota.project_limits(conf, ctx, project_id)


def _check_range(resource, value, minimum, maximum):
    def inf(v):
        return float('inf') if v == -1 else v
    if inf(value) < inf(minimum):
        raise faults.bad_request(
            'Quota limit %(limit)s for %(resource)s must be greater than or '
            'equal to already used and reserved %(minimum)s.' % {
                'limit': value, 'resource': resource, 'minimum': minimum})
    if inf(value) > inf(maximum):
        raise faults.bad_request(
            'Quota limit %(limit)s for %(resource)s must be less than or '
            'equal to %(maximum)s.' % {'limit': value, 'resource': resource,
                                      'maximum': maximum})


class QuotaSetController:
    """/os-quota-sets/<project_id>"""

    def __init__(self, conf, project_id):
        self.conf = conf
        self.project_id = project_id

    def _authorize(self, ctx, action):
        policy.authorize(self.conf, ctx, QS % action,
                         {'project_id': self.project_id})

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        self._authorize(ctx, 'show')
        version = request_env.api_version()
        values = _limits(self.conf, ctx, self.project_id, _user_id())
        return {'quota_set': _format(values, quota.visible(version),
                                     self.project_id)}

    @pecan.expose('json')
    def defaults(self):
        request_env.only_get()
        ctx = request_env.context()
        self._authorize(ctx, 'defaults')
        values = quota.defaults(self.conf, ctx)
        return {'quota_set': _format(
            values, quota.visible(request_env.api_version()),
            self.project_id)}

    @pecan.expose('json')
    def detail(self):
        request_env.only_get()
        ctx = request_env.context()
        self._authorize(ctx, 'detail')
        user_id = _user_id()
        limits = _limits(self.conf, ctx, self.project_id, user_id)
        used = quota.usage(ctx, self.project_id, user_id)
        body = {'id': str(self.project_id)}
        for key in quota.visible(request_env.api_version()):
            body[key] = {'limit': limits[key], 'in_use': used[key],
                         'reserved': 0}
        return {'quota_set': body}

    @index.when(method='PUT', template='json')
    def index_put(self):
        ctx = request_env.context()
        self._authorize(ctx, 'update')
        version = request_env.api_version()
        body = request_env.json_body()
        validation.validate(schema.update_quota_set(version), body)
        req = body['quota_set']
        if 'networks' in req:
            raise faults.bad_request('The networks quota has been removed')
        user_id = _user_id()
        force = common.to_bool(req.get('force', False))
        ranges = quota.settable(self.conf, ctx, self.project_id, user_id)
        valid = {}
        for key, value in req.items():
            if key == 'force' or (not value and value != 0):
                continue
            value = int(value)
            if not force:
                _check_range(key, value, *ranges[key])
            valid[key] = value
        if valid:
            if user_id:
                quotas_db.set_limits(ctx, 'user',
                                     (self.project_id, user_id), valid)
            else:
                quotas_db.set_limits(ctx, 'project', self.project_id, valid)
        values = _limits(self.conf, ctx, self.project_id, user_id)
        return {'quota_set': _format(values, quota.visible(version))}

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        self._authorize(ctx, 'delete')
        user_id = _user_id()
        if user_id:
            quotas_db.destroy_user(ctx, self.project_id, user_id)
        else:
            quotas_db.destroy_project(ctx, self.project_id)
        request_env.set_status(202)
        return ''


class QuotaSetsController:
    """/os-quota-sets"""

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose()
    def _lookup(self, project_id, *remainder):
        if remainder and remainder[0] not in ('defaults', 'detail'):
            raise faults.Fault(404, 'The resource could not be found.')
        return QuotaSetController(self.conf, project_id), remainder


class QuotaClassSetController:
    """/os-quota-class-sets/<class>"""

    def __init__(self, conf, class_name):
        self.conf = conf
        self.class_name = class_name

    def _authorize(self, ctx, action):
        policy.authorize(self.conf, ctx, QCS % action,
                         {'quota_class': self.class_name})

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        self._authorize(ctx, 'show')
        values = quota.class_limits(self.conf, ctx, self.class_name)
        return {'quota_class_set': _format(
            values, quota.visible(request_env.api_version(), classes=True),
            self.class_name)}

    @index.when(method='PUT', template='json')
    def index_put(self):
        ctx = request_env.context()
        self._authorize(ctx, 'update')
        version = request_env.api_version()
        body = request_env.json_body()
        validation.validate(schema.update_quota_class_set(version), body)
        req = body['quota_class_set']
        if 'networks' in req:
            raise faults.bad_request('The networks quota has been removed')
        values = {k: int(v) for k, v in req.items()}
        if values:
            quotas_db.set_limits(ctx, 'class', self.class_name, values)
        limits = quota.class_limits(self.conf, ctx, self.class_name)
        return {'quota_class_set': _format(
            limits, quota.visible(version, classes=True))}


class QuotaClassSetsController:
    """/os-quota-class-sets"""

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose()
    def _lookup(self, class_name, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return QuotaClassSetController(self.conf, class_name), remainder
