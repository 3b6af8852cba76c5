"""novalite-compute: the agent on one hypervisor host. It has no database
access; its heartbeat and every write go through the conductor."""

from novalite.cli import launch
from novalite.common import service
from novalite.compute import manager
from novalite.compute import rpcapi
from novalite.conductor import rpcapi as conductor_rpcapi

BINARY = 'novalite-compute'


def main(argv=None):
    conf = launch.prepare(BINARY, argv)
    conductor = conductor_rpcapi.ConductorAPI(conf)
    svc = service.Service(
        conf, BINARY, rpcapi.TOPIC, manager.ComputeManager(conf),
        rpcapi.RPC_API_VERSION,
        heartbeat=lambda ctx: conductor.service_heartbeat(
            ctx, conf.host, BINARY, rpcapi.TOPIC))
    service.serve(svc)
