"""/v2.1/os-networks: Nova's network proxy (read only), gone at 2.36."""

import pecan

from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.common.db import networks as networks_db
from novalite.common import exception

_NULL_FIELDS = ('netmask', 'gateway', 'broadcast', 'dns1', 'dns2',
                'cidr_v6', 'gateway_v6', 'netmask_v6')
_ADMIN_NULL_FIELDS = ('created_at', 'updated_at', 'deleted_at', 'deleted',
                      'injected', 'bridge', 'vlan', 'vpn_public_address',
                      'vpn_public_port', 'vpn_private_address', 'dhcp_start',
                      'host', 'bridge_interface', 'multi_host', 'priority',
                      'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp',
                      'share_address')


def _view(net, is_admin):
    body = dict.fromkeys(_NULL_FIELDS)
    if is_admin:
        body.update(dict.fromkeys(_ADMIN_NULL_FIELDS))
        body['project_id'] = net['project_id']
    body.update({'id': net['uuid'], 'label': net['name'],
                 'cidr': net['cidr']})
    return body


def _context(conf, action):
    """The request's context once ``os-networks:<action>`` allows it on
    the caller's own project (Nova checks before the lookup, which finds
    only networks the project may see: another project's is a 404)."""
    # Proxy APIs were removed from microversion 2.36 on.
    if request_env.version_at_least('2.36'):
        raise faults.Fault(404, 'The resource could not be found.')
    ctx = request_env.context()
    policy.authorize(conf, ctx, 'os_compute_api:os-networks:%s' % action)
    return ctx


class NetworkController:

    def __init__(self, conf, network_id):
        self.conf = conf
        self.network_id = network_id

    @pecan.expose('json')
    def index(self):
        ctx = _context(self.conf, 'view')
        try:
            net = networks_db.get_network(ctx, self.network_id)
        except exception.NetworkNotFound:
            raise faults.Fault(404, 'Network not found')
        return {'network': _view(net, ctx.is_admin)}


class NetworksController:

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose('json')
    def index(self):
        ctx = _context(self.conf, 'list')
        return {'networks': [_view(n, ctx.is_admin)
                             for n in networks_db.get_networks(ctx)]}

    @pecan.expose()
    def _lookup(self, network_id, *remainder):
        return NetworkController(self.conf, network_id), remainder
