"""/v2.1/os-simple-tenant-usage (admin: every project) and /<tenant_id>
(the project's readers): hours and resource-hours of the servers that ran
between ``start`` and ``end`` (default: now), with per-server detail
(``detailed=1`` on the list, always on show); ``limit``/``marker`` and
next links from 2.40 (paging is over servers, as Nova's)."""

import datetime

import pecan

from novalite.api import faults
from novalite.api import pagination
from novalite.api import policy
from novalite.api import request_env
from novalite.api.views import links
from novalite.common.db import instances as instances_db
from novalite.common import exception

U = 'os_compute_api:os-simple-tenant-usage:%s'
_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y-%m-%d %H:%M:%S.%f')


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _time(value):
    return value.isoformat(timespec='microseconds') if value else None


def _parse(text):
    if not text:
        return _now()
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise faults.bad_request('Datetime is in invalid format')


def _window(params):
    start, stop = _parse(params.get('start')), _parse(params.get('end'))
    if not start < stop:
        raise faults.bad_request('Invalid start time. The start time cannot '
                                 'occur after the end time.')
    return start, stop


def hours_for(inst, start, stop):
    launched, terminated = inst['launched_at'], inst['terminated_at']
    if terminated and terminated < start:
        return 0
    if not launched or launched > stop:
        return 0
    end = min(stop, terminated) if terminated else stop
    return (end - max(launched, start)).total_seconds() / 3600.0


def server_usage(inst, start, stop, now):
    flavor = inst['flavor'] or {}
    ended = inst['terminated_at']
    state = 'terminated' if ended else inst['vm_state']
    uptime = (ended if ended else now) - inst['launched_at']
    return {
        'hours': hours_for(inst, start, stop),
        'instance_id': inst['uuid'], 'name': inst['display_name'],
        'tenant_id': inst['project_id'],
        'memory_mb': flavor.get('memory_mb', 0),
        'local_gb': flavor.get('root_gb', 0) + flavor.get('ephemeral_gb', 0),
        'vcpus': flavor.get('vcpus', 0), 'flavor': flavor.get('name'),
        'started_at': _time(inst['launched_at']), 'ended_at': _time(ended),
        'state': state, 'uptime': int(uptime.total_seconds()),
    }


def summarize(instances, start, stop, detailed):
    """[tenant usage] in order of first appearance, and every server's."""
    now = _now()
    result, servers = {}, []
    for inst in instances:
        info = server_usage(inst, start, stop, now)
        summary = result.get(info['tenant_id'])
        if summary is None:
            summary = result[info['tenant_id']] = {
                'tenant_id': info['tenant_id'], 'total_local_gb_usage': 0,
                'total_vcpus_usage': 0, 'total_memory_mb_usage': 0,
                'total_hours': 0, 'start': _time(start),
                'stop': _time(stop)}
            if detailed:
                summary['server_usages'] = []
        summary['total_local_gb_usage'] += info['local_gb'] * info['hours']
        summary['total_vcpus_usage'] += info['vcpus'] * info['hours']
        summary['total_memory_mb_usage'] += info['memory_mb'] * info['hours']
        summary['total_hours'] += info['hours']
        if detailed:
            summary['server_usages'].append(info)
        servers.append(info)
    return list(result.values()), servers


class SimpleTenantUsageController:

    def __init__(self, conf):
        self.conf = conf

    def _usages(self, ctx, project_id, detailed, path, links_key):
        params = request_env.params()
        start, stop = _window(params)
        limit = marker = None
        paged = request_env.version_at_least('2.40')
        if paged:
            limit, marker = pagination.limit_and_marker(
                params, self.conf.api.max_limit)
        try:
            found = instances_db.active_by_window(
                ctx, start, stop, project_id, limit, marker)
        except exception.NotFound as exc:
            raise faults.bad_request(exc.message)
        usages, servers = summarize(found, start, stop, detailed)
        extra = {}
        if paged and servers and len(servers) == limit:
            prefix = request_env.compute_prefixes(self.conf)[0]
            extra[links_key] = links.next_link(
                '%s/%s' % (prefix, path), params, servers[-1]['instance_id'])
        return usages, extra

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, U % 'list')
        detailed = request_env.params().get('detailed') == '1'
        usages, extra = self._usages(ctx, None, detailed,
                                     'os-simple-tenant-usage',
                                     'tenant_usages_links')
        return dict({'tenant_usages': usages}, **extra)

    @pecan.expose()
    def _lookup(self, tenant_id, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return TenantUsageController(self, tenant_id), ()


class TenantUsageController:

    def __init__(self, parent, tenant_id):
        self.parent = parent
        self.tenant_id = tenant_id

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.parent.conf, ctx, U % 'show',
                         {'project_id': self.tenant_id})
        usages, extra = self.parent._usages(
            ctx, self.tenant_id, True,
            'os-simple-tenant-usage/%s' % self.tenant_id,
            'tenant_usage_links')
        return dict({'tenant_usage': usages[0] if usages else {}}, **extra)
