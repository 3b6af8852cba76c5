"""novalite-scheduler: filters, weighers and resource claims."""

from novalite.cli import launch
from novalite.common.db import services as services_db
from novalite.common.db import session
from novalite.common import service
from novalite.scheduler import manager
from novalite.scheduler import rpcapi

BINARY = 'novalite-scheduler'


def main(argv=None):
    conf = launch.prepare(BINARY, argv)
    session.configure(conf)
    svc = service.Service(
        conf, BINARY, rpcapi.TOPIC, manager.SchedulerManager(conf),
        rpcapi.RPC_API_VERSION,
        heartbeat=lambda ctx: services_db.heartbeat(ctx, conf.host, BINARY,
                                                    rpcapi.TOPIC))
    service.serve(svc)
