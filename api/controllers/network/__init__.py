"""/network: a Neutron v2.0-compatible network API over novalite's own
tables (``[network] backend = builtin``).

``/network/`` is the version document, ``/network/v2.0/`` the resource
list; networks, subnets, ports, security groups and their rules are in
``resources.py``. Answers are Neutron's: 201 on create, 204 on delete,
``{"NeutronError": {...}}`` faults, ``<collection>_links`` pages."""

import pecan

from novalite.api.controllers.network import resources
from novalite.api import request_env
from novalite.api.views import network as view

COLLECTIONS = ('networks', 'subnets', 'ports', 'security-groups',
               'security-group-rules')


def _base(conf):
    return request_env.base_url(conf) + '/network'


class ExtensionsController:

    @pecan.expose('json')
    @resources.neutron_errors
    def index(self):
        request_env.only_get()
        return {'extensions': view.extensions()}

    @pecan.expose()
    def _lookup(self, alias, *remainder):
        if remainder:
            return resources.Missing(), ()
        return _Extension(alias), ()


class _Extension:

    def __init__(self, alias):
        self.alias = alias

    @pecan.expose('json')
    @resources.neutron_errors
    def index(self):
        request_env.only_get()
        found = view.extension(self.alias)
        if found is None:
            return view.fault(404, 'HTTPNotFound',
                              'Extension with alias %s does not exist'
                              % self.alias)
        return {'extension': found}


class V20Controller:

    def __init__(self, conf):
        self.conf = conf
        self.networks = resources.NetworksController(conf)
        self.subnets = resources.SubnetsController(conf)
        self.ports = resources.PortsController(conf)
        pecan.route(self, 'security-groups',
                    resources.SecurityGroupsController(conf))
        pecan.route(self, 'security-group-rules',
                    resources.SecurityGroupRulesController(conf))
        self.extensions = ExtensionsController()

    @pecan.expose('json')
    @resources.neutron_errors
    def index(self):
        request_env.only_get()
        return view.resources(_base(self.conf), COLLECTIONS)

    @pecan.expose()
    def _lookup(self, *remainder):
        return resources.Missing(), ()


class NetworkRootController:
    """/network: Neutron's version document (no token needed)."""

    def __init__(self, conf):
        self.conf = conf
        pecan.route(self, 'v2.0', V20Controller(conf))

    @pecan.expose('json')
    @resources.neutron_errors
    def index(self):
        request_env.only_get()
        return view.versions(_base(self.conf))

    @pecan.expose()
    def _lookup(self, *remainder):
        return resources.Missing(), ()
