"""[DEFAULT] options shared by every novalite service."""

import os
import socket

from oslo_config import cfg

OPTS = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='<hostname>',
               help='Name of this node. Compute agents are addressed on the bus by '
                    'this name (RPC server=<host>), and it is the service and '
                    'compute node name shown by the API. Possible values: any '
                    'string unique among the compute hosts of one cloud.'),
    cfg.StrOpt('state_path', default=os.path.expanduser('~/.novalite'),
               sample_default='$HOME/.novalite',
               help='Top-level directory for novalite state: the default SQLite '
                    'database, the image store and instance files live below it. '
                    'Related options: [database] connection, '
                    '[libvirt] instances_path, [image] store_path.'),
    cfg.IntOpt('report_interval', mutable=True, default=10, min=1,
               help='Seconds between service heartbeats written to the services '
                    'table. Related options: service_down_time.'),
    cfg.IntOpt('service_down_time', mutable=True, default=60, min=1,
               help='Maximum seconds since the last heartbeat for a service to be '
                    'considered up. Must be larger than report_interval. The '
                    'scheduler places no instance on a compute host that is down.'),
    cfg.StrOpt('instance_name_template', default='instance-%08x',
               help='Template of an instance\'s hypervisor name (the libvirt '
                    'domain name), filled with the instance\'s integer id. '
                    'Two clouds sharing one libvirtd (a test cloud beside '
                    'a development cloud, say) need different templates. '
                    'Shown to admins as OS-EXT-SRV-ATTR:instance_name.'),
    cfg.IntOpt('rpc_call_timeout', default=60, min=1,
               help='Seconds an RPC call waits for its answer before failing with '
                    'a timeout. Casts do not wait.'),
    cfg.BoolOpt('force_config_drive', default=False,
                help='Give every new server a config drive (an ISO 9660 '
                     'CD-ROM labelled config-2 with its metadata, keys, '
                     'user data and network data), whether or not it asked '
                     'with config_drive. Read by the compute agent.'),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return {'DEFAULT': OPTS}
