"""The built-in image store: one file per image under [image] store_path.
Uploads are streamed to a temporary file and renamed into place, so a
half-written upload is never served."""

import hashlib
import os
import struct

CHUNK = 64 * 1024
_QCOW2_MAGIC = b'QFI\xfb'


class SizeExceeded(Exception):
    """The upload is larger than the store accepts."""

    def __init__(self, cap):
        super().__init__('Image exceeds the maximum allowed size of %d '
                         'bytes.' % cap)
        self.cap = cap


def virtual_size(disk_format, head, size):
    """The guest-visible size as Glance reports it: the qcow2 header's
    size field, the file size for raw, None when not known."""
    if disk_format == 'raw':
        return size
    if disk_format == 'qcow2' and len(head) >= 32 and \
            head[:4] == _QCOW2_MAGIC:
        return struct.unpack('>Q', head[24:32])[0]
    return None


class ImageStore:

    def __init__(self, conf):
        self.conf = conf

    @property
    def size_cap(self):
        return self.conf.image.image_size_cap

    def path(self, image_id):
        return os.path.join(self.conf.image.store_path, image_id)

    def write(self, image_id, fileobj):
        """Stream ``fileobj`` into the store; raises SizeExceeded past the
        size cap (and keeps nothing).

        :returns: (size, md5 hexdigest, sha512 hexdigest, first bytes)
        """
        os.makedirs(self.conf.image.store_path, exist_ok=True)
        final = self.path(image_id)
        tmp = final + '.part'
        md5, sha512, size, head = hashlib.md5(), hashlib.sha512(), 0, b''
        cap = self.size_cap
        try:
            with open(tmp, 'wb') as out:
                while True:
                    chunk = fileobj.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > cap:
                        raise SizeExceeded(cap)
                    if len(head) < 512:
                        head += chunk[:512 - len(head)]
                    md5.update(chunk)
                    sha512.update(chunk)
                    out.write(chunk)
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return size, md5.hexdigest(), sha512.hexdigest(), head

    def exists(self, image_id):
        return os.path.exists(self.path(image_id))

    def iter_chunks(self, image_id):
        """An iterator over the image's bytes; the file is opened now, so
        a missing one raises FileNotFoundError before any byte is sent."""
        return _chunks(open(self.path(image_id), 'rb'))

    def delete(self, image_id):
        try:
            os.unlink(self.path(image_id))
        except FileNotFoundError:
            pass


def _chunks(src):
    with src:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                return
            yield chunk
