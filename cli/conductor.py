"""novalite-conductor: build orchestration and the compute agents' DB proxy."""

from novalite.cli import launch
from novalite.common.db import services as services_db
from novalite.common.db import session
from novalite.common import service
from novalite.conductor import manager
from novalite.conductor import rpcapi

BINARY = 'novalite-conductor'


def main(argv=None):
    conf = launch.prepare(BINARY, argv)
    session.configure(conf)
    svc = service.Service(
        conf, BINARY, rpcapi.TOPIC, manager.ConductorManager(conf),
        rpcapi.RPC_API_VERSION,
        heartbeat=lambda ctx: services_db.heartbeat(ctx, conf.host, BINARY,
                                                    rpcapi.TOPIC))
    service.serve(svc)
