"""/v2.1/servers/<id>/os-instance-actions and /<request_id> (Nova's
instance_actions): the actions taken on a server, newest first, and one
with its events. From 2.21 a deleted server's actions are still shown;
2.58 adds ``updated_at``, ``limit``/``marker``/``changes-since`` and next
links; 2.66 ``changes-before``. Events are shown to who passes
``...:events`` (with traceback and, from 2.62, host), from 2.51 to any
reader without the traceback."""

import pecan

from novalite.api import faults
from novalite.api import pagination
from novalite.api import policy
from novalite.api import request_env
from novalite.api import server_lookup
from novalite.api.views import instance_actions as view
from novalite.api.views import links
from novalite.common.db import instances as instances_db
from novalite.common import exception

A = 'os_compute_api:os-instance-actions:%s'


def _instance(conf, ctx, server_id, rule):
    """The server (a deleted one too from 2.21), once ``rule`` allows."""
    if request_env.version_at_least('2.21'):
        found = instances_db.get_by_uuids(ctx, [server_id],
                                          read_deleted='yes')
        if not found or (not ctx.is_admin and
                         found[0]['project_id'] != ctx.project_id):
            raise exception.InstanceNotFound(instance_id=server_id)
        inst = found[0]
    else:
        inst = server_lookup.get_visible(ctx, server_id)
    policy.authorize(conf, ctx, A % rule, {'project_id': inst['project_id'],
                                           'user_id': inst['user_id']})
    return inst


class InstanceActionController:
    """/servers/<id>/os-instance-actions/<request_id>"""

    def __init__(self, conf, server_id, request_id):
        self.conf = conf
        self.server_id = server_id
        self.request_id = request_id

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        inst = _instance(self.conf, ctx, self.server_id, 'show')
        found = [a for a in instances_db.actions_with_events(ctx,
                                                             inst['uuid'])
                 if a['request_id'] == self.request_id]
        if not found:
            raise faults.Fault(404, 'Action %s not found' % self.request_id)
        raw = found[0]
        version = request_env.api_version()
        body = view.action(raw, version)
        target = {'project_id': inst['project_id']}
        events = traceback = host = False
        if policy.check(self.conf, ctx, A % 'events', target):
            events = traceback = True
            host = version >= '2.62'
        elif version >= '2.51':
            events = True
        details = version >= '2.84' and policy.check(
            self.conf, ctx, A % 'events:details', target)
        if events:
            project = raw['project_id'] or inst['project_id']
            body['events'] = [view.event(
                e, project, traceback=traceback, host=host,
                hostid=version >= '2.62', details=details)
                for e in raw['events']]
        return {'instanceAction': body}


class InstanceActionsController:
    """/servers/<id>/os-instance-actions"""

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        version = request_env.api_version()
        params = request_env.params()
        paged = version >= '2.58'
        if paged:
            limit, marker = pagination.limit_and_marker(
                params, self.conf.api.max_limit)
            since, before = pagination.changes_window(
                params, with_before=version >= '2.66')
        inst = _instance(self.conf, ctx, self.server_id, 'list')
        actions = instances_db.actions_with_events(ctx, inst['uuid'])
        if not paged:
            return {'instanceActions': [view.action(a, version)
                                        for a in actions]}
        actions = pagination.page_after(
            actions, marker, 'request_id',
            faults.bad_request('Marker %s could not be found.' % marker))
        actions = [a for a in actions
                   if (since is None or a['updated_at'] >= since) and
                   (before is None or a['updated_at'] <= before)][:limit]
        result = {'instanceActions': [view.action(a, version)
                                      for a in actions]}
        if actions and len(actions) == limit:
            prefix = request_env.compute_prefixes(self.conf)[0]
            result['links'] = links.next_link(
                '%s/servers/%s/os-instance-actions' % (prefix,
                                                      self.server_id),
                params, actions[-1]['request_id'])
        return result

    @pecan.expose()
    def _lookup(self, request_id, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return InstanceActionController(self.conf, self.server_id,
                                        request_id), ()
