"""The image cache, ``<instances_path>/_base``: one file per image, named by
the sha1 of the image id (as Nova names its base files).

A fetch downloads to a temporary name, checks the bits (the format
inspector of :mod:`image_safety` first, then the bounded ``qemu-img info``
and, for qcow2, ``qemu-img check``) and renames into place, all under a
per-image file lock: concurrent builds of one image download it once and
nobody ever sees a half-written or unchecked base file. Builds that waited
on the lock while the checks refused the image share that verdict instead
of downloading and checking it again one after the other, so a hostile
image holds each of them for one bounded check at most.

Every use re-inspects the cached file (the inspector reads headers only):
a base cached before a check existed is refused as a fresh one would be.
"""

import contextlib
import fcntl
import hashlib
import os
import threading
import time

from oslo_log import log as logging

from novalite.common import exception
from novalite.compute.virt.libvirt import image_safety
from novalite.compute.virt.libvirt import qemu_img
from novalite.compute.virt.libvirt import storage

LOG = logging.getLogger(__name__)

BASE_DIR = '_base'
# Refusals older than this are forgotten (only builds that were already
# waiting when one was made need it).
_VERDICT_TTL = 3600


def base_name(image_id):
    return hashlib.sha1(image_id.encode()).hexdigest()


class ImageCache:
    """Fetches images into ``_base`` through the Glance v2 image client."""

    def __init__(self, conf, image_client):
        self.conf = conf
        self.image_client = image_client
        # image id -> (monotonic time, Invalid) of its last refusal here
        self._refused = {}
        self._refused_lock = threading.Lock()

    @property
    def base_dir(self):
        return os.path.join(self.conf.libvirt.instances_path, BASE_DIR)

    def path(self, image_id):
        return storage.base_file(self.base_dir, base_name(image_id))

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

        :returns: (path, info): info has the ``format`` qemu-img must be
            given for the file and its ``virtual-size``.
        :raises: Invalid (unsafe content, format mismatch, a qemu-img
            failure or limit, bad checksum, no data), ImageNotFound
        """
        image_id = image['id']
        storage.ensure_dir(self.base_dir)
        final = self.path(image_id)
        asked = time.monotonic()
        if not os.path.exists(final):
            with self._lock(image_id):
                self._raise_if_refused_since(image_id, asked)
                if not os.path.exists(final):
                    return final, self._download(ctx, image, final)
        # A cached base never changes; no lock needed to read it.
        return final, self.describe(image, final)

    def describe(self, image, path, check=False):
        """``{'format', 'virtual-size'}`` of ``path`` holding the data of
        ``image``, once its content passed the checks; ``check`` adds
        ``qemu-img check`` of a qcow2 (corruption; done once, on download).

        :raises: Invalid
        """
        if image.get('disk_format') in image_safety.KERNEL_FORMATS:
            return {'format': 'raw', 'virtual-size': os.path.getsize(path)}
        fmt = image_safety.disk_format_of(image, path)
        if fmt == 'raw':    # nothing for qemu-img to interpret
            return {'format': fmt, 'virtual-size': os.path.getsize(path)}
        limits = qemu_img.inspect_limits(self.conf)
        try:
            info = storage.qemu_img_info(path, fmt, limits=limits)
            problem = check and storage.qcow2_problem(path, limits=limits)
        except storage.QemuImgError as exc:
            problem = exc
        if problem:
            raise exception.Invalid(reason='Image %s is not a valid %s '
                                    'image: %s.' % (image['id'],
                                                    image.get('disk_format'),
                                                    problem))
        return {'format': fmt, 'virtual-size': info['virtual-size']}

    def _download(self, ctx, image, final):
        image_id = image['id']
        tmp = final + '.part'
        try:
            self.image_client.download(ctx, image_id, tmp, image=image)
            try:
                info = self.describe(image, tmp, check=True)
            except exception.Invalid as exc:
                # The content's verdict (a failed download may be retried).
                self._remember_refusal(image_id, exc)
                raise
            # Read-only for everyone: QEMU reads it as a backing file.
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        LOG.info('image %s cached as %s (%s)', image_id, final,
                 info['format'])
        return info

    def _remember_refusal(self, image_id, exc):
        now = time.monotonic()
        with self._refused_lock:
            for old in [i for i, (when, _e) in self._refused.items()
                        if now - when > _VERDICT_TTL]:
                del self._refused[old]
            self._refused[image_id] = (now, exc)

    def _raise_if_refused_since(self, image_id, asked):
        """Raise the refusal of ``image_id`` made while this build waited
        for the lock (made after ``asked``)."""
        with self._refused_lock:
            when, exc = self._refused.get(image_id, (None, None))
        if when is not None and when >= asked:
            raise exception.Invalid(message=exc.message)
