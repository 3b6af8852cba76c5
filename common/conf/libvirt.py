"""[libvirt] options: the compute agent's hypervisor connection."""

from oslo_config import cfg

GROUP = cfg.OptGroup('libvirt', title='Libvirt driver options')

OPTS = [
    cfg.StrOpt('connection_uri', default='qemu:///system',
               help='Libvirt URI the compute agent connects to. '
                    'test:///default is libvirt\'s in-process test hypervisor '
                    '(no real guests, used by the functional tests).'),
    cfg.StrOpt('virt_type', default='kvm', choices=['kvm', 'qemu'],
               help='Domain type. Use qemu (TCG emulation) where /dev/kvm is '
                    'absent or cannot run guests.'),
    cfg.StrOpt('instances_path', default='$state_path/instances',
               help='Directory holding one sub-directory of files per '
                    'instance. Related options: state_path.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
