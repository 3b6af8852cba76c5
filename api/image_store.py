"""The built-in image store: one file per image under [image] store_path.
Uploads are streamed to a temporary file and renamed into place, so a
half-written upload is never served."""

import hashlib
import os

CHUNK = 64 * 1024


class ImageStore:

    def __init__(self, conf):
        self.conf = conf

    def path(self, image_id):
        return os.path.join(self.conf.image.store_path, image_id)

    def write(self, image_id, fileobj):
        """Stream ``fileobj`` into the store.

        :returns: (size, md5 hexdigest, sha512 hexdigest)
        """
        os.makedirs(self.conf.image.store_path, exist_ok=True)
        final = self.path(image_id)
        tmp = final + '.part'
        md5, sha512, size = hashlib.md5(), hashlib.sha512(), 0
        try:
            with open(tmp, 'wb') as out:
                while True:
                    chunk = fileobj.read(CHUNK)
                    if not chunk:
                        break
                    md5.update(chunk)
                    sha512.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return size, md5.hexdigest(), sha512.hexdigest()

    def exists(self, image_id):
        return os.path.exists(self.path(image_id))

    def iter_chunks(self, image_id):
        with open(self.path(image_id), 'rb') as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    return
                yield chunk

    def delete(self, image_id):
        try:
            os.unlink(self.path(image_id))
        except FileNotFoundError:
            pass
