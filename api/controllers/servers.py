"""/v2.1/servers: create, list, detail, show, delete."""

import datetime
import re
import time

import pecan

from novalite.api import faults
from novalite.api import name_filter
from novalite.api import policy
from novalite.api import request_env
from novalite.api.controllers import instance_actions
from novalite.api.controllers import server_actions
from novalite.api.controllers import server_ips
from novalite.api.controllers import server_metadata
from novalite.api.controllers import server_security_groups
from novalite.api.controllers import volume_attachments
from novalite.api.controllers import server_tags
from novalite.api.schemas import common
from novalite.api.schemas import server_queries
from novalite.api.schemas import servers as schema
from novalite.api import server_create
from novalite.api import server_delete
from novalite.api import server_lookup
from novalite.api import server_update
from novalite.api import server_wait
from novalite.api import validation
from novalite.api.views import diagnostics as diagnostics_view
from novalite.api.views import links
from novalite.api.views import servers as view
from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common import exception

# API status -> vm_state, for the ``status`` filter.
_STATUS_TO_VM_STATE = {'BUILD': 'building', 'ACTIVE': 'active',
                       'SHUTOFF': 'stopped', 'PAUSED': 'paused',
                       'SUSPENDED': 'suspended', 'ERROR': 'error',
                       'DELETED': 'deleted'}
POLICY = 'os_compute_api:servers:%s'
# How long one list request may spend matching names against its filter.
NAME_FILTER_SECONDS = 10


def _name_filter(text):
    """The compiled ``name`` query parameter; 400 for what is not a
    regular expression or what the linear-time matcher refuses."""
    try:
        return name_filter.compile_filter(text)
    except re.error as exc:
        reason = 'not a valid regular expression: %s' % exc
    except name_filter.Unsupported as exc:
        reason = 'not supported as a name filter: %s' % exc
    raise faults.bad_request('Invalid input for query parameters name. '
                             'Value: %s. %r is %s' % (text[:300], text[:300],
                                                      reason))


class ServerController:
    """/servers/<id>"""

    def __init__(self, parent, server_id):
        self.parent = parent
        self.server_id = server_id
        self.action = server_actions.ServerActionController(parent,
                                                            server_id)
        self.tags = server_tags.ServerTagsController(parent.conf, server_id)
        self.metadata = server_metadata.ServerMetadataController(
            parent.conf, server_id)
        self.ips = server_ips.ServerIpsController(parent.conf, server_id)
        pecan.route(self, 'os-instance-actions',
                    instance_actions.InstanceActionsController(
                        parent.conf, server_id))
        pecan.route(self, 'os-security-groups',
                    server_security_groups.ServerSecurityGroupsController(
                        parent.conf, server_id))
        pecan.route(self, 'os-volume_attachments',
                    volume_attachments.VolumeAttachmentsController(
                        parent.conf, server_id))

    def _get(self, ctx, rule):
        """The server, once ``os_compute_api:servers:<rule>`` allows it."""
        return server_lookup.get(self.parent.conf, ctx, self.server_id,
                                 POLICY % rule)

    @pecan.expose(generic=True, template='json')
    def index(self, wait_for=None, **_ignored):
        request_env.only_get()
        ctx = request_env.context()
        inst = self._get(ctx, 'show')
        if wait_for is not None:
            # novalite's long poll (api/server_wait.py), after the policy:
            # then the server as it is now (404 when it went away).
            server_wait.wait(self.parent.conf, inst,
                             server_wait.parse(wait_for))
            inst = server_lookup.get_visible(ctx, self.server_id)
        return {'server': self.parent.views(ctx).detail(inst)}

    @index.when(method='PUT', template='json')
    def index_put(self):
        """PUT /servers/<id>: the answer's shape is the microversion's."""
        ctx = request_env.context()
        body = request_env.json_body()
        validation.validate(
            schema.update_schema(request_env.api_version()), body)
        inst = server_update.update(ctx, self._get(ctx, 'update'),
                                    body['server'])
        return {'server': self.parent.views(ctx).updated(inst)}

    @pecan.expose('json')
    def diagnostics(self):
        """GET /servers/<id>/diagnostics (admin): asks the compute agent."""
        request_env.only_get()
        ctx = request_env.context()
        inst = server_lookup.get(self.parent.conf, ctx, self.server_id,
                                 'os_compute_api:os-server-diagnostics')
        if not inst['host']:
            raise faults.Fault(409, "Cannot 'get_diagnostics' instance %s "
                               "while it is in vm_state %s" % (
                                   inst['uuid'], inst['vm_state']))
        raw = self.parent.compute().get_diagnostics(ctx, inst)
        if not request_env.version_at_least('2.48'):
            return raw
        ports = networks_db.get_ports_by_instances(ctx, [inst['uuid']])
        return diagnostics_view.standard(raw, inst,
                                         ports.get(inst['uuid'], []))

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        inst = self._get(ctx, 'delete')
        server_delete.delete(self.parent.conf, ctx, inst,
                             self.parent.compute())
        request_env.set_status(204)
        return ''


class ServersController:
    """/servers"""

    def __init__(self, conf):
        self.conf = conf
        self._conductor = None
        self._compute = None

    def conductor(self):
        if self._conductor is None:
            from novalite.conductor import rpcapi
            self._conductor = rpcapi.ConductorAPI(self.conf)
        return self._conductor

    def compute(self):
        if self._compute is None:
            from novalite.compute import rpcapi
            self._compute = rpcapi.ComputeAPI(self.conf)
        return self._compute

    def views(self, ctx):
        return view.ServerViews(self.conf, ctx, request_env.api_version(),
                                request_env.compute_prefixes(self.conf))

    def _query(self, ctx, rule):
        """Nova's _get_servers: the ``index``/``detail`` rule; other
        projects' servers (``all_tenants``) only when ``<rule>:get_all_
        tenants`` allows it (403 otherwise); the admin filters (project_id,
        tenant_id, host) silently dropped unless ``allow_all_filters``."""
        policy.authorize(self.conf, ctx, POLICY % rule)
        params = request_env.params()
        all_filters = policy.check(self.conf, ctx,
                                   POLICY % 'allow_all_filters')
        filters = {}
        if 'all_tenants' in params and common.to_bool(
                params['all_tenants'] or 'true'):
            policy.authorize(self.conf, ctx,
                             POLICY % (rule + ':get_all_tenants'))
            project = params.get('tenant_id') or params.get('project_id')
            if project and all_filters:
                filters['project_id'] = project
        else:
            filters['project_id'] = ctx.project_id
        if params.get('name'):
            filters['name'] = _name_filter(params['name'])
        if all_filters and params.get('host'):
            filters['host'] = params['host']
        status = params.getall('status')
        if status:
            filters['vm_state'] = [_STATUS_TO_VM_STATE.get(s.upper(), '?')
                                   for s in status]
            if '?' in filters['vm_state'] and \
                    request_env.version_at_least('2.38'):
                raise faults.bad_request('Invalid status value')
        version = request_env.api_version()
        server_queries.check(params, version)
        filters.update(server_queries.filters(params, version, all_filters))
        since = params.get('changes-since')
        if since:
            try:
                filters['changes-since'] = datetime.datetime.fromisoformat(
                    since.replace('Z', '+00:00')).astimezone(
                    datetime.timezone.utc).replace(tzinfo=None)
            except ValueError:
                raise faults.bad_request(
                    server_queries.bad_time('changes-since', since))
        limit = params.get('limit')
        if limit is not None:
            # [0-9], not isdigit(): int() refuses '²' and 4300+ digits.
            if not re.fullmatch('[0-9]+', limit):
                raise faults.bad_request('limit param must be an integer')
            digits = limit.lstrip('0') or '0'
            limit = (self.conf.api.max_limit if len(digits) > 18 else
                     min(int(digits), self.conf.api.max_limit))
        else:
            limit = self.conf.api.max_limit
        sort_keys, sort_dirs = server_queries.sort_params(
            params, version, ctx.is_admin)
        try:
            found = instances_db.get_all(
                ctx, filters, limit=limit, marker=params.get('marker'),
                deadline=time.monotonic() + NAME_FILTER_SECONDS,
                sort_keys=sort_keys, sort_dirs=sort_dirs)
        except exception.Invalid as exc:
            raise faults.bad_request(exc.message)
        return found, limit

    def _page(self, path, found, limit, body):
        """``{"servers": body}`` and, for a full page, ``servers_links``
        to the next one with the same filters (Nova's _get_next_link)."""
        result = {'servers': body}
        if found and len(found) == limit:
            prefix = request_env.compute_prefixes(self.conf)[0]
            result['servers_links'] = links.next_link(
                '%s/%s' % (prefix, path), request_env.params(),
                found[-1]['uuid'])
        return result

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        found, limit = self._query(ctx, 'index')
        prefixes = request_env.compute_prefixes(self.conf)
        return self._page('servers', found, limit,
                          [view.basic(i, prefixes) for i in found])

    @pecan.expose('json')
    def detail(self):
        ctx = request_env.context()
        found, limit = self._query(ctx, 'detail')
        return self._page('servers/detail', found, limit,
                          self.views(ctx).detail_many(found))

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        version = request_env.api_version()
        body = request_env.json_body()
        validation.validate(schema.create_schema(version), body)
        plan = server_create.prepare(self.conf, ctx, body, version)
        created, password, res_id = server_create.create(
            ctx, self.conductor(), plan, body)
        request_env.set_status(202)
        if common.to_bool(body['server'].get('return_reservation_id',
                                             False)):
            return {'reservation_id': res_id}
        first = created[0]
        prefixes = request_env.compute_prefixes(self.conf)
        server = {'id': first['uuid'],
                  'links': view.basic(first, prefixes)['links'],
                  'OS-DCF:diskConfig': first['disk_config'],
                  'security_groups': [{'name': n} for n in
                                      first['security_groups']],
                  'adminPass': password}
        pecan.response.headers['Location'] = server['links'][0]['href']
        return {'server': server}

    @pecan.expose()
    def _lookup(self, server_id, *remainder):
        return ServerController(self, server_id), remainder
