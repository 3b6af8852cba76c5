"""/v2.1/os-hypervisors (Nova's hypervisors API, admin only): list,
detail, show, ``/statistics`` (before 2.88), ``/{pattern}/search`` and
``/{pattern}/servers`` (before 2.53; from 2.53 the
``hypervisor_hostname_pattern`` and ``with_servers`` query parameters),
``limit``/``marker`` from 2.33, uuids from 2.53. Figures come from the
compute nodes and their allocations (two queries for any number of
nodes, one more for the servers)."""

import uuid

import pecan

from novalite.api import faults
from novalite.api import pagination
from novalite.api import policy
from novalite.api import request_env
from novalite.api.schemas import common
from novalite.api.views import hypervisors as view
from novalite.api.views import links
from novalite.api import zones
from novalite.common.db import instances as instances_db
from novalite.common.db import placement
from novalite.common.db import services as services_db

H = 'os_compute_api:os-hypervisors:%s'
NOT_FOUND = 'The resource could not be found.'


def _no_match(pattern):
    return faults.Fault(404, "No hypervisor matching '%s' could be found."
                        % pattern)


class HypervisorsController:

    def __init__(self, conf):
        self.conf = conf

    def _load(self, rule):
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, H % rule)
        version = request_env.api_version()
        nodes = placement.get_nodes_with_usage(ctx)
        views = view.HypervisorViews(
            self.conf, version,
            services_db.get_all(ctx, binary=zones.COMPUTE_BINARY),
            instances_db.by_node(ctx))
        return ctx, version, nodes, views

    def _list(self, rule, detail, path):
        params = request_env.params()
        version = request_env.api_version()
        with_servers = False
        pattern = None
        if version >= '2.53':
            with_servers = common.to_bool(params.get('with_servers',
                                                     'false'))
            pattern = params.get('hypervisor_hostname_pattern')
            if pattern is not None and ('limit' in params or
                                        'marker' in params):
                raise faults.bad_request(
                    'Paging over hypervisors with the '
                    'hypervisor_hostname_pattern query parameter is not '
                    'supported.')
        limit, marker = None, None
        if version >= '2.33':
            limit, marker = pagination.limit_and_marker(
                params, self.conf.api.max_limit)
        ctx, version, nodes, views = self._load(rule)
        if pattern is not None:
            nodes = [n for n in nodes if pattern in n['hypervisor_hostname']]
            if not nodes:
                raise _no_match(pattern)
        shown = [views.detail(n, with_servers) if detail
                 else views.basic(n, with_servers) for n in nodes]
        if limit is None:
            return {'hypervisors': shown}
        shown = pagination.page_after(
            shown, None if marker is None else self._marker(marker,
                                                            version), 'id',
            faults.bad_request('marker [%s] not found' % marker))[:limit]
        result = {'hypervisors': shown}
        if shown and len(shown) == limit:
            prefix = request_env.compute_prefixes(self.conf)[0]
            result['hypervisors_links'] = links.next_link(
                '%s/%s' % (prefix, path), params, shown[-1]['id'])
        return result

    @staticmethod
    def _marker(marker, version):
        if version >= '2.53':
            return marker
        return int(marker) if marker.isdigit() and len(marker) < 18 \
            else marker

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        return self._list('list', False, 'os-hypervisors')

    @pecan.expose('json')
    def detail(self):
        request_env.only_get()
        return self._list('list-detail', True, 'os-hypervisors/detail')

    @pecan.expose('json')
    def statistics(self):
        request_env.only_get()
        if request_env.version_at_least('2.88'):
            raise faults.Fault(404, NOT_FOUND)
        ctx, version, nodes, views = self._load('statistics')
        return {'hypervisor_statistics': view.statistics(
            nodes, views.servers_by_node)}

    @pecan.expose()
    def _lookup(self, key, *remainder):
        if len(remainder) > 1:
            raise faults.Fault(404, NOT_FOUND)
        return HypervisorController(self, key, remainder[0] if remainder
                                    else None), ()


class HypervisorController:
    """/os-hypervisors/<id> and /<id>/uptime, /<pattern>/search|servers"""

    def __init__(self, parent, key, sub):
        self.parent = parent
        self.key = key
        self.sub = sub

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        if self.sub is None:
            return self._show()
        if self.sub in ('search', 'servers'):
            return self._search()
        if self.sub == 'uptime':
            return self._uptime()
        raise faults.Fault(404, NOT_FOUND)

    def _find(self, rule):
        version = request_env.api_version()
        if version >= '2.53':
            try:
                uuid.UUID(self.key)
            except ValueError:
                raise faults.bad_request('Invalid uuid %s' % self.key)
        ctx, version, nodes, views = self.parent._load(rule)
        field = 'uuid' if version >= '2.53' else 'id'
        for node in nodes:
            if str(node[field]) == self.key:
                return node, views
        raise faults.Fault(404, "Hypervisor with ID '%s' could not be "
                           "found." % self.key)

    def _show(self):
        params = request_env.params()
        with_servers = request_env.version_at_least('2.53') and \
            common.to_bool(params.get('with_servers', 'false'))
        node, views = self._find('show')
        return {'hypervisor': views.detail(node, with_servers)}

    def _uptime(self):
        if request_env.version_at_least('2.88'):
            raise faults.Fault(404, NOT_FOUND)
        self._find('uptime')
        raise faults.Fault(501, 'Virt driver does not implement uptime '
                           'function.')

    def _search(self):
        if request_env.version_at_least('2.53'):
            raise faults.Fault(404, NOT_FOUND)
        rule = 'search' if self.sub == 'search' else 'servers'
        ctx, version, nodes, views = self.parent._load(rule)
        found = [n for n in nodes if self.key in n['hypervisor_hostname']]
        if not found:
            raise _no_match(self.key)
        return {'hypervisors': [views.basic(n, self.sub == 'servers')
                                for n in found]}
