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
                    'instance, and _base/, the cache of images they boot '
                    'from. QEMU (user libvirt-qemu under qemu:///system) must '
                    'be able to traverse every parent directory. Related '
                    'options: state_path.'),
    cfg.BoolOpt('use_cow_images', default=True,
                help='True: each root disk is a qcow2 overlay whose backing '
                     'file is the cached image in _base (fast, shares the '
                     'base). False: a full raw copy of the image per '
                     'instance, resized to the flavor\'s root disk.'),
    cfg.StrOpt('disk_cachemode', default='none',
               choices=['none', 'writethrough', 'writeback', 'unsafe'],
               help='QEMU cache mode of the root disk. none (O_DIRECT) '
                    'falls back to writethrough where instances_path does '
                    'not support O_DIRECT (tmpfs), as Nova does.'),
    cfg.IntOpt('wait_soft_reboot_seconds', default=120, min=0,
               help='Seconds a soft reboot waits for the guest to shut down '
                    'after the ACPI request before it falls back to a hard '
                    'reboot. Related options: [compute] shutdown_timeout.'),
    cfg.StrOpt('kernel_cmdline', default='root=/dev/vda console=tty0 '
                                         'console=ttyS0',
               help='Kernel command line of direct-kernel (AMI) boots, '
                    'unless the image sets the os_command_line property. '
                    'console=ttyS0 sends the console to the log that '
                    'os-getConsoleOutput reads.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
