"""The image cache, ``<instances_path>/_base``: one file per image, named by
the sha1 of the image id (as Nova names its base files).

A fetch downloads to a temporary name, checks that the bits are what the
image's ``disk_format`` says (``qemu-img info``), and renames into place,
all under a per-image file lock, so concurrent builds of one image download
it once and nobody ever sees a half-written or unchecked base file.
"""

import contextlib
import fcntl
import hashlib
import os

from oslo_log import log as logging

from novalite.common import exception
from novalite.compute.virt.libvirt import storage

LOG = logging.getLogger(__name__)

BASE_DIR = '_base'
# disk_format -> qemu-img formats the bits may have. AKI/ARI are a kernel
# and an initramfs: never an image format qemu would interpret.
_ALLOWED = {
    'qcow2': ('qcow2',),
    'raw': ('raw',),
    'aki': ('raw',),
    'ari': ('raw',),
    'ami': ('raw', 'qcow2'),
}


def base_name(image_id):
    return hashlib.sha1(image_id.encode()).hexdigest()


def check_format(image, info):
    """Refuse bits that do not match the image's ``disk_format``, and
    qcow2 files with a backing file (it could name any host file).

    :raises: Invalid
    """
    image_id = image['id']
    disk_format = image.get('disk_format')
    allowed = _ALLOWED.get(disk_format)
    if allowed is None:
        raise exception.Invalid(reason='Image %s has disk format %s, which '
                                'this host cannot boot.'
                                % (image_id, disk_format))
    actual = info.get('format')
    if actual not in allowed:
        raise exception.Invalid(reason='Image %s is not a valid %s image '
                                '(its data is %s).'
                                % (image_id, disk_format, actual))
    if info.get('backing-filename') or info.get('full-backing-filename'):
        raise exception.Invalid(reason='Image %s is a qcow2 image with a '
                                'backing file, which is refused.' % image_id)


def _info_or_invalid(image, path):
    try:
        return storage.qemu_img_info(path)
    except storage.QemuImgError as exc:
        raise exception.Invalid(reason='Image %s is not a valid %s image: %s'
                                % (image['id'], image.get('disk_format'),
                                   exc))


def _check_qcow2(image, path, info):
    if info.get('format') != 'qcow2':
        return
    problem = storage.qcow2_problem(path)
    if problem:
        raise exception.Invalid(reason='Image %s is not a valid qcow2 image: '
                                '%s.' % (image['id'], problem))


class ImageCache:
    """Fetches images into ``_base`` through the Glance v2 image client."""

    def __init__(self, conf, image_client):
        self.conf = conf
        self.image_client = image_client

    @property
    def base_dir(self):
        return os.path.join(self.conf.libvirt.instances_path, BASE_DIR)

    def path(self, image_id):
        return os.path.join(self.base_dir, base_name(image_id))

    @contextlib.contextmanager
    def _lock(self, image_id):
        # flock locks belong to the open file description: threads of this
        # process that open the lock file separately exclude each other too,
        # and so do two agents sharing instances_path.
        with open(self.path(image_id) + '.lock', 'a') as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def fetch(self, ctx, image):
        """The cached, checked base file of ``image`` (a record from the
        image API), downloading it if needed.

        :returns: (path, qemu-img info dict)
        :raises: Invalid (format mismatch, bad checksum, no data),
            ImageNotFound
        """
        image_id = image['id']
        storage.ensure_dir(self.base_dir)
        final = self.path(image_id)
        with self._lock(image_id):
            if os.path.exists(final):
                return final, storage.qemu_img_info(final)
            tmp = final + '.part'
            try:
                self.image_client.download(ctx, image_id, tmp, image=image)
                info = _info_or_invalid(image, tmp)
                check_format(image, info)
                _check_qcow2(image, tmp, info)
                # Read-only for everyone: QEMU reads it as a backing file.
                os.chmod(tmp, 0o644)
                os.replace(tmp, final)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        LOG.info('image %s cached as %s (%s)', image_id, final,
                 info.get('format'))
        return final, info
