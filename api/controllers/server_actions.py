"""POST /v2.1/servers/<id>/action: server actions (os-stop, os-start,
reboot, pause, unpause, suspend, resume, lock, unlock, rebuild,
os-getConsoleOutput, createImage)."""

import pecan

from novalite.api import faults


class ServerActionController:

    def __init__(self, servers, server_id):
        self.servers = servers      # the ServersController (conf, clients)
        self.server_id = server_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        raise faults.Fault(405, 'The method is not allowed for this '
                                'resource.')
