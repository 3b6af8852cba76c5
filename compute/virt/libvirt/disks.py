"""From an image to the files a guest boots from: the root disk (a qcow2
overlay on the cached base, or a raw copy) and, for AMI images, the kernel
and ramdisk copied into the instance directory.

Every check that can refuse the image (status, format, unsafe content,
size, a missing kernel or ramdisk, qemu-img stopped at a limit) raises
``exception.Invalid`` with a message for the server's fault; the build
then aborts instead of rescheduling.
"""

import dataclasses

from oslo_log import log as logging

from novalite.common import exception
from novalite.compute.virt.libvirt import qemu_img
from novalite.compute.virt.libvirt import storage

LOG = logging.getLogger(__name__)

# Nova's FlavorDiskSmallerThanImage.
DISK_TOO_SMALL = ("Flavor's disk is too small for requested image. Flavor "
                  "disk is %(flavor_size)i bytes, image is %(image_size)i "
                  "bytes.")


@dataclasses.dataclass
class BootFiles:
    """What the domain XML points at."""
    disk: str
    disk_format: str            # qcow2 | raw (the file's format)
    kernel: str | None = None
    ramdisk: str | None = None
    cmdline: str | None = None
    config_drive: str | None = None    # the ISO's path, when it has one


def image_property(image, key):
    """A property of an image record: top level in Glance v2 records,
    under ``properties`` in the API's request-spec copy."""
    if image.get(key) is not None:
        return image[key]
    return (image.get('properties') or {}).get(key)


def _check_active(image):
    if image.get('status') != 'active':
        raise exception.Invalid(reason='Image %s is not active.'
                                % image['id'])


def _check_fits(root_gb, image_size):
    if root_gb and image_size and image_size > root_gb * storage.GiB:
        raise exception.Invalid(reason=DISK_TOO_SMALL % {
            'flavor_size': root_gb * storage.GiB, 'image_size': image_size})


class DiskBuilder:
    """Prepares the boot files of one instance from its image."""

    def __init__(self, conf, image_client, image_cache):
        self.conf = conf
        self.image_client = image_client
        self.cache = image_cache

    @property
    def instances_path(self):
        return self.conf.libvirt.instances_path

    def _show(self, ctx, image_id, what=None):
        try:
            return self.image_client.show(ctx, image_id)
        except exception.ImageNotFound:
            if what is None:
                raise
            raise exception.Invalid(reason='%s image %s could not be found.'
                                    % (what, image_id))

    def blank(self, instance):
        """An empty qcow2 root disk (no image to boot from)."""
        path = storage.create_root_disk(self.instances_path, instance['uuid'],
                                        instance['flavor'].get('root_gb'))
        return BootFiles(disk=path, disk_format='qcow2')

    def prepare(self, ctx, instance, image_id):
        """Fetch ``image_id`` (and its kernel/ramdisk) and create the
        instance's files; the instance directory exists already.

        :raises: Invalid, ImageNotFound
        """
        image = self._show(ctx, image_id)
        _check_active(image)
        disk_format = image.get('disk_format')
        if disk_format in ('aki', 'ari'):
            raise exception.Invalid(reason='Image %s is a %s (kernel or '
                                    'ramdisk) image and cannot be booted '
                                    'as a disk.' % (image_id, disk_format))
        root_gb = instance['flavor'].get('root_gb') or 0
        _check_fits(root_gb, image.get('size'))
        # Kernel and ramdisk first: an AMI that cannot boot fails before
        # its (large) disk is downloaded.
        kernel, ramdisk = self._kernel_and_ramdisk(ctx, instance, image)
        base, info = self.cache.fetch(ctx, image)
        _check_fits(root_gb, info['virtual-size'])
        disk = self._root_disk(instance, base, info, root_gb)
        cmdline = None
        if kernel:
            cmdline = (image_property(image, 'os_command_line') or
                       self.conf.libvirt.kernel_cmdline)
        return BootFiles(disk=disk[0], disk_format=disk[1], kernel=kernel,
                         ramdisk=ramdisk, cmdline=cmdline)

    def _root_disk(self, instance, base, info, root_gb):
        """The root disk made from the checked ``base``; qemu-img is told
        its format and bounded like every run on image data. Only a limit
        reached is the image's fault; other failures (a full disk) are the
        host's and reschedule."""
        path = storage.disk_path(self.instances_path, instance['uuid'])
        size = root_gb * storage.GiB if root_gb else None
        try:
            if self.conf.libvirt.use_cow_images:
                storage.create_cow_disk(
                    base, info['format'], path, size,
                    limits=qemu_img.inspect_limits(self.conf))
                return path, 'qcow2'
            storage.create_raw_disk(base, info['format'], path, size,
                                    limits=qemu_img.copy_limits(self.conf))
        except qemu_img.LimitReached as exc:
            raise exception.Invalid(reason='Cannot create the root disk '
                                    'of instance %s from image %s: %s.'
                                    % (instance['uuid'],
                                       instance.get('image_ref'), exc))
        return path, 'raw'

    def _kernel_and_ramdisk(self, ctx, instance, image):
        """Copy the AMI's kernel (required) and ramdisk (when named) into
        the instance directory; (None, None) for a disk boot."""
        image_id = image['id']
        kernel_id = image_property(image, 'kernel_id')
        ramdisk_id = image_property(image, 'ramdisk_id')
        if not kernel_id:
            if image.get('disk_format') == 'ami':
                raise exception.Invalid(reason='Image %s is an AMI image '
                                        'without a kernel_id property.'
                                        % image_id)
            return None, None
        kernel = self._fetch_part(ctx, instance, kernel_id, 'aki', 'kernel',
                                  'Kernel')
        ramdisk = None
        if ramdisk_id:
            ramdisk = self._fetch_part(ctx, instance, ramdisk_id, 'ari',
                                       'ramdisk', 'Ramdisk')
        return kernel, ramdisk

    def _fetch_part(self, ctx, instance, part_id, disk_format, name, what):
        part = self._show(ctx, part_id, what)
        if part.get('disk_format') != disk_format:
            raise exception.Invalid(reason='%s image %s has disk format %s, '
                                    'not %s.' % (what, part_id,
                                                 part.get('disk_format'),
                                                 disk_format))
        _check_active(part)
        base, _info = self.cache.fetch(ctx, part)
        return storage.copy_readable(base, storage.disk_path(
            self.instances_path, instance['uuid'], name))
