"""/v2.1/servers/<id>/ips and /ips/<network label> (Nova's ips API): the
server's fixed addresses by network name, without the OS-EXT-IPS fields
the server body carries; a network the server has no address on is 404
"Instance is not a member of specified network"."""

import pecan

from novalite.api import faults
from novalite.api import request_env
from novalite.api import server_lookup
from novalite.api.views import servers as views
from novalite.common.db import networks as networks_db

P = 'os_compute_api:ips:%s'
NOT_MEMBER = 'Instance is not a member of specified network'


def _addresses(conf, rule):
    def of(server_id):
        ctx = request_env.context()
        inst = server_lookup.get(conf, ctx, server_id, P % rule)
        ports = networks_db.get_ports_by_instances(
            ctx, [inst['uuid']])[inst['uuid']]
        return views.addresses(ports, extended=False)
    return of


class ServerIpController:
    """/servers/<id>/ips/<network label>"""

    def __init__(self, conf, server_id, label):
        self.conf = conf
        self.server_id = server_id
        self.label = label

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        networks = _addresses(self.conf, 'show')(self.server_id)
        if self.label not in networks:
            raise faults.Fault(404, NOT_MEMBER)
        return {self.label: networks[self.label]}


class ServerIpsController:
    """/servers/<id>/ips"""

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        return {'addresses': _addresses(self.conf, 'index')(self.server_id)}

    @pecan.expose()
    def _lookup(self, label, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return ServerIpController(self.conf, self.server_id, label), ()
