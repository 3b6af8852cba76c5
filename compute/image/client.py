"""A Glance v2 client for the compute agent: show, download (verified),
upload, JSON-patch update and delete, over HTTP at ``[image] api_endpoint``.

It speaks for the user of the request: the context's token (or the
noauth2 ``user:project`` pair) goes in ``X-Auth-Token``, so the image API
applies the same visibility rules as for the user's own requests.
"""

import hashlib
import os
import threading

import requests
from oslo_log import log as logging

from novalite.common import exception

LOG = logging.getLogger(__name__)

CHUNK = 64 * 1024
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
# (connect, read) seconds: a stalled image API must not hang a build.
TIMEOUT = (10, 120)


def auth_token(ctx):
    """The token to send for ``ctx`` (noauth2 ``user:project`` without
    one; the admin context sends none, which noauth2 reads as admin)."""
    token = getattr(ctx, 'auth_token', None)
    if token:
        return token
    user = getattr(ctx, 'user_id', None)
    project = getattr(ctx, 'project_id', None)
    if user is None and project is None:
        return None
    return '%s:%s' % (user or '', project or '')


class ImageClient:
    """Shared by the agent's RPC worker threads. ``requests.Session`` is not
    thread-safe (its connection pool and cookies), so each thread gets its
    own, unless a session is given (tests)."""

    def __init__(self, conf, session=None):
        self.conf = conf
        self._session = session
        self._local = threading.local()

    @property
    def session(self):
        if self._session is not None:
            return self._session
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    @property
    def endpoint(self):
        return self.conf.image.api_endpoint.rstrip('/')

    def _url(self, image_id=None, suffix=''):
        url = self.endpoint + '/v2/images'
        if image_id is not None:
            url += '/' + image_id
        return url + suffix

    @staticmethod
    def _headers(ctx, extra=None):
        headers = {'Accept': 'application/json'}
        token = auth_token(ctx)
        if token:
            headers['X-Auth-Token'] = token
        request_id = getattr(ctx, 'global_request_id', None)
        if request_id:
            headers['X-OpenStack-Request-ID'] = request_id
        headers.update(extra or {})
        return headers

    def _request(self, ctx, method, url, image_id, headers=None, **kwargs):
        try:
            resp = self.session.request(method, url,
                                        headers=self._headers(ctx, headers),
                                        timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise exception.NovaliteException(
                'Image API at %s is unreachable: %s' % (self.endpoint, exc))
        if resp.status_code == 404:
            resp.close()
            raise exception.ImageNotFound(image_id=image_id)
        if resp.status_code >= 400:
            text = resp.text[:500]
            resp.close()
            exc_class = (exception.Invalid if resp.status_code < 500
                         else exception.NovaliteException)
            raise exc_class('Image API refused %s %s: %d %s' % (
                method, url, resp.status_code, text))
        return resp

    def show(self, ctx, image_id):
        """The image record (Glance v2 fields, properties at top level).

        :raises: ImageNotFound
        """
        return self._request(ctx, 'GET', self._url(image_id),
                             image_id).json()

    def download(self, ctx, image_id, dest_path, image=None):
        """Stream the image's bits to ``dest_path`` and verify them against
        the record's md5 ``checksum`` and sha512 ``os_hash_value``. A
        failed download leaves no file.

        :param image: the record when the caller already has it.
        :raises: ImageNotFound, Invalid (no data, checksum mismatch)
        """
        image = image or self.show(ctx, image_id)
        resp = self._request(ctx, 'GET', self._url(image_id, '/file'),
                             image_id, headers={'Accept': '*/*'},
                             stream=True)
        try:
            if resp.status_code == 204:
                raise exception.Invalid(
                    reason='Image %s has no data.' % image_id)
            md5, sha512, size = hashlib.md5(), hashlib.sha512(), 0
            with open(dest_path, 'wb') as out:
                for chunk in resp.iter_content(CHUNK):
                    md5.update(chunk)
                    sha512.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            self._verify(image, md5.hexdigest(), sha512.hexdigest(), size)
        except BaseException:
            if os.path.exists(dest_path):
                os.unlink(dest_path)
            raise
        finally:
            resp.close()
        LOG.debug('downloaded image %s (%d bytes) to %s', image_id, size,
                  dest_path)
        return size

    @staticmethod
    def _verify(image, md5, sha512, size):
        image_id = image.get('id')
        if image.get('size') is not None and image['size'] != size:
            raise exception.Invalid(reason=(
                'Image %s download is %d bytes, its record says %d.'
                % (image_id, size, image['size'])))
        if image.get('checksum') and image['checksum'] != md5:
            raise exception.Invalid(reason=(
                'Image %s checksum verification failed: got %s, expected %s.'
                % (image_id, md5, image['checksum'])))
        if (image.get('os_hash_value') and
                (image.get('os_hash_algo') or 'sha512') == 'sha512' and
                image['os_hash_value'] != sha512):
            raise exception.Invalid(reason=(
                'Image %s sha512 verification failed.' % image_id))

    def upload(self, ctx, image_id, src_path):
        """Stream the file at ``src_path`` into the (queued) image."""
        with open(src_path, 'rb') as src:
            self._request(ctx, 'PUT', self._url(image_id, '/file'), image_id,
                          headers={'Content-Type': 'application/octet-stream',
                                   'Content-Length': str(
                                       os.fstat(src.fileno()).st_size)},
                          data=src).close()

    def delete(self, ctx, image_id):
        """Delete the image (e.g. the queued image of a failed snapshot).

        :raises: ImageNotFound
        """
        self._request(ctx, 'DELETE', self._url(image_id), image_id).close()

    def update(self, ctx, image_id, changes):
        """Apply JSON-patch ``changes`` (``[{"op", "path", "value"}]``);
        returns the updated record."""
        return self._request(ctx, 'PATCH', self._url(image_id), image_id,
                             headers={'Content-Type': PATCH_TYPE},
                             json=changes).json()
