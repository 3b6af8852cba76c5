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
    # Bounds of qemu-img on untrusted image data (Nova's QEMU_IMG_LIMITS
    # plus a wall clock): a crafted image must not hang or starve the host.
    cfg.IntOpt('qemu_img_cpu_time', default=30, min=1,
               help='CPU seconds (RLIMIT_CPU) one qemu-img info, check or '
                    'create on an image may use, as Nova limits qemu-img '
                    'info. An image whose metadata makes qemu-img spin is '
                    'killed at this limit and its build ends in ERROR. '
                    'Related options: qemu_img_timeout, '
                    'qemu_img_address_space_mb.'),
    cfg.IntOpt('qemu_img_address_space_mb', default=1024, min=64,
               help='Address space in MiB (RLIMIT_AS) of every qemu-img run '
                    'on image data (info, check, create, convert), as Nova '
                    'limits qemu-img info: an image whose metadata asks for '
                    'huge tables fails to load instead of exhausting the '
                    'host\'s memory.'),
    cfg.IntOpt('qemu_img_timeout', default=60, min=1,
               help='Wall-clock seconds one qemu-img info, check or create '
                    'on an image may run before it is killed and the build '
                    'fails with "qemu-img ... timed out". Bounds how long '
                    'other builds of the same image wait for its checks. '
                    'Related options: qemu_img_cpu_time.'),
    cfg.IntOpt('qemu_img_convert_timeout', default=600, min=1,
               help='Wall-clock (and CPU) seconds one qemu-img convert that '
                    'copies a whole disk may run: the raw copy of an image '
                    'when use_cow_images is False, and the flattening of a '
                    'snapshot (the guest stays paused meanwhile). Raise it '
                    'for images of many GiB on slow storage. Related '
                    'options: use_cow_images, qemu_img_address_space_mb.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
