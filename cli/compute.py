"""novalite-compute: the agent on one hypervisor host. It has no database
access; its heartbeat and every write go through the conductor.

``novalite-compute --simulate-hosts N [--host-prefix sim]`` instead runs N
simulated hosts (``sim-0001`` ...) in this one process, each a whole
compute agent on a private libvirt test-driver node
(``compute/simulated.py``), to measure the control plane at 100-1 000
hosts on one machine.
"""

import argparse
import sys

from novalite.cli import launch
from novalite.common import service
from novalite.compute import manager
from novalite.compute import rpcapi
from novalite.conductor import rpcapi as conductor_rpcapi

BINARY = 'novalite-compute'


def _sim_parser():
    parser = argparse.ArgumentParser(
        prog=BINARY, add_help=False, allow_abbrev=False,
        description='Simulated hosts (everything else is oslo.config: '
                    '--config-file, --config-dir, ...).')
    parser.add_argument('--simulate-hosts', type=int, default=0,
                        metavar='N',
                        help='run N simulated compute hosts in this process '
                             '(libvirt test driver, one private node each)')
    parser.add_argument('--host-prefix', default='sim',
                        help='simulated host names: PREFIX-0001, ...')
    parser.add_argument('--sim-vcpus', type=int, default=8,
                        help='vCPUs of each simulated host')
    parser.add_argument('--sim-memory-mb', type=int, default=16384,
                        help='memory of each simulated host, MB')
    parser.add_argument('--sim-disk-gb', type=int, default=200,
                        help='local disk of each simulated host, GB')
    parser.add_argument('--sim-rpc-workers', type=int, default=4,
                        help="threads of each simulated host's RPC "
                             'executor pool')
    parser.add_argument('--sim-periodic-workers', type=int, default=8,
                        help='threads running every host\'s heartbeat and '
                             'periodic tasks')
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    sim, rest = _sim_parser().parse_known_args(argv)
    if sim.simulate_hosts < 0:
        raise SystemExit('%s: --simulate-hosts must be >= 0' % BINARY)
    conf = launch.prepare(BINARY, rest)
    if sim.simulate_hosts:
        from novalite.compute import simulated
        hosts = simulated.SimulatedHosts(
            conf, sim.simulate_hosts, prefix=sim.host_prefix,
            node=simulated.NodeSpec(sim.sim_vcpus, sim.sim_memory_mb,
                                    sim.sim_disk_gb),
            rpc_workers=sim.sim_rpc_workers,
            periodic_workers=sim.sim_periodic_workers)
        simulated.serve(hosts)
        return
    conductor = conductor_rpcapi.ConductorAPI(conf)
    svc = service.Service(
        conf, BINARY, rpcapi.TOPIC, manager.ComputeManager(conf),
        rpcapi.RPC_API_VERSION,
        heartbeat=lambda ctx: conductor.service_heartbeat(
            ctx, conf.host, BINARY, rpcapi.TOPIC))
    service.serve(svc)
