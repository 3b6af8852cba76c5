"""Where the compute API finds images, as ``[image] backend`` says:

- ``builtin``: the images table of novalite's own image API (same database);
- ``glance``: the Glance v2 HTTP API at ``[image] api_endpoint``, asked as
  the user of the request (``compute/image/client.py``), so Glance applies
  its own visibility rules.

Either way an image is a dict shaped like an images row: Glance's
attributes, every other key under ``properties``."""

from novalite.api import faults
from novalite.common.db import images as images_db
from novalite.common import exception

# Glance attributes kept as top-level keys; what Glance adds for links and
# times is left out of ``properties``.
ATTRIBUTES = ('id', 'name', 'status', 'visibility', 'owner', 'disk_format',
              'container_format', 'size', 'virtual_size', 'checksum',
              'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram',
              'protected', 'tags')
_NOT_PROPERTIES = frozenset(ATTRIBUTES) | {
    'self', 'file', 'schema', 'locations', 'direct_url', 'created_at',
    'updated_at', 'stores'}
UNAVAILABLE = 'The image service is unavailable, try again later.'


_GLANCE_CLIENT = None


def _glance_client_class():
    """The compute agent's client, plus the create the API needs. Built
    on first use: its module imports requests (about 4 MB of resident
    memory), which only ``[image] backend = glance`` needs."""
    global _GLANCE_CLIENT
    if _GLANCE_CLIENT is None:
        from novalite.compute.image import client as image_client

        class _GlanceClient(image_client.ImageClient):
            def create(self, ctx, body):
                return self._request(
                    ctx, 'POST', self._url(), None,
                    headers={'Content-Type': 'application/json'},
                    json=body).json()
        _GLANCE_CLIENT = _GlanceClient
    return _GLANCE_CLIENT


def _from_glance(body):
    img = {k: body.get(k) for k in ATTRIBUTES}
    img['properties'] = {k: v for k, v in body.items()
                         if k not in _NOT_PROPERTIES}
    return img


def _glance(conf):
    return _glance_client_class()(conf)


def _use_glance(conf):
    return conf.image.backend == 'glance'


def get(conf, ctx, image_id):
    """The image ``ctx`` may see.

    :raises: ImageNotFound; Fault 503 when Glance cannot be reached
    """
    if not _use_glance(conf):
        return images_db.get(ctx, image_id)
    try:
        return _from_glance(_glance(conf).show(ctx, image_id))
    except exception.Invalid:
        # Glance refused to show it (403, 400, ...): as good as unknown.
        raise exception.ImageNotFound(image_id=image_id)
    except exception.ImageNotFound:
        raise
    except exception.NovaliteException:
        raise faults.Fault(503, UNAVAILABLE)


def create_queued(conf, ctx, values):
    """A new queued image (a snapshot's record) from images-row ``values``
    (name, visibility, owner, min_disk, min_ram, properties)."""
    if not _use_glance(conf):
        return images_db.create(ctx, dict(values, status='queued'))
    body = {k: v for k, v in values.items()
            if k != 'properties' and v is not None}
    if body.get('owner') == ctx.project_id:
        body.pop('owner')   # Glance lets only admins name another owner
    body.update(values.get('properties') or {})
    try:
        return _from_glance(_glance(conf).create(ctx, body))
    except exception.NovaliteException:
        raise faults.Fault(503, UNAVAILABLE)


def delete(conf, ctx, image_id):
    """Delete an image this API created (best effort for Glance)."""
    if not _use_glance(conf):
        images_db.destroy(ctx, image_id)
        return
    try:
        _glance(conf).delete(ctx, image_id)
    except exception.NovaliteException:
        pass
