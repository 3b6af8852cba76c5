"""/v2.1/os-server-groups: create, list (``all_projects`` for admins,
``limit``/``offset``), show, delete. Nova's bodies, status codes and
messages per microversion (views/server_groups.py); quota
``server_groups`` counted under the project's guard. Another project's
group is a 404 (the repo's isolation rule), an admin sees any."""

import pecan

from novalite.api import faults
from novalite.api import policy
from novalite.api import quota
from novalite.api import request_env
from novalite.api import validation
from novalite.api.controllers import keypairs
from novalite.api.schemas import server_groups as schema
from novalite.api.views import server_groups as view
from novalite.common.db import server_groups as groups_db

P = 'os_compute_api:os-server-groups:%s'
MAX_INT = 2 ** 31 - 1    # a rule's value is stored as a JSON integer


def _int_param(params, key):
    """Nova's common.limited: a non-negative integer or 400."""
    value = params.get(key)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise faults.bad_request('%s param must be an integer' % key)
    return int(value) if len(value) <= 18 else 10 ** 18


def _find(ctx, group_uuid):
    """The group, another project's only for an admin (404 otherwise)."""
    try:
        return groups_db.get(ctx, group_uuid,
                             None if ctx.is_admin else ctx.project_id)
    except groups_db.InstanceGroupNotFound as exc:
        raise faults.Fault(404, exc.message)


class ServerGroupController:
    """/os-server-groups/<id>"""

    def __init__(self, conf, group_uuid):
        self.conf = conf
        self.group_uuid = group_uuid

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        group = _find(ctx, self.group_uuid)
        policy.authorize(self.conf, ctx, P % 'show',
                         {'project_id': group['project_id']})
        return {'server_group': view.show(group,
                                          request_env.api_version())}

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        group = _find(ctx, self.group_uuid)
        policy.authorize(self.conf, ctx, P % 'delete',
                         {'project_id': group['project_id']})
        try:
            groups_db.destroy(ctx, group['uuid'])
        except groups_db.InstanceGroupNotFound as exc:
            raise faults.Fault(404, exc.message)
        request_env.set_status(204)
        return ''


class ServerGroupsController:
    """/os-server-groups"""

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        version = request_env.api_version()
        keypairs.strict_query(version, ('all_projects', 'limit', 'offset'))
        own = {'project_id': ctx.project_id}
        policy.authorize(self.conf, ctx, P % 'index', own)
        params = request_env.params()
        project_id = ctx.project_id
        if 'all_projects' in params and ctx.is_admin:
            policy.authorize(self.conf, ctx, P % 'index:all_projects', own)
            project_id = None
        offset = _int_param(params, 'offset') or 0
        limit = _int_param(params, 'limit')
        limit = self.conf.api.max_limit if limit is None else min(
            limit, self.conf.api.max_limit)
        found = groups_db.get_all(ctx, project_id)[offset:offset + limit]
        return {'server_groups': [view.show(g, version) for g in found]}

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        version = request_env.api_version()
        body = request_env.json_body()
        validation.validate(schema.create_schema(version), body)
        policy.authorize(self.conf, ctx, P % 'create',
                         {'project_id': ctx.project_id})
        req = body['server_group']
        if version >= '2.64':
            group_policy = req['policy']
            rules = req.get('rules') or {}
            if group_policy != groups_db.ANTI_AFFINITY and rules:
                raise faults.bad_request('Only anti-affinity policy '
                                         'supports rules.')
            rules = {k: int(v) for k, v in rules.items()}
            for key, value in rules.items():
                if value > MAX_INT:
                    raise faults.bad_request(
                        'Invalid input for field/attribute %s. Value: %s. '
                        '%s is greater than the maximum of %d'
                        % (key, value, value, MAX_INT))
        else:
            group_policy, rules = req['policies'][0], {}
        group = groups_db.create(ctx, {
            'name': req['name'], 'project_id': ctx.project_id,
            'user_id': ctx.user_id, 'policy': group_policy,
            'rules': rules}, check=quota.server_group_check(self.conf, ctx))
        return {'server_group': view.show(group, version)}

    @pecan.expose()
    def _lookup(self, group_uuid, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return ServerGroupController(self.conf, group_uuid), remainder
