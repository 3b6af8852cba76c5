"""/image: a Glance v2-compatible image API over the built-in store.

Status codes are Glance's: 403 for what policy or a read-only attribute
forbids, 404 for what the caller may not see, 409 for a state that forbids
the request, 413 past a quota, 415 for a wrong request content type."""

import pecan
import webob

from novalite.api import faults
from novalite.api.controllers import metadefs
from novalite.api import image_store
from novalite.api import policy
from novalite.api import request_env
from novalite.api.schemas import images as schema
from novalite.api.views import images as view
from novalite.common.db import images as images_db
from novalite.common import exception

# Glance's limit_param_default.
DEFAULT_LIMIT = 25
_VISIBILITY_RULES = {'public': 'publicize_image',
                     'community': 'communitize_image'}


def _authorize(conf, ctx, action, target):
    """Glance's 403 when the ``action`` rule refuses ``target``."""
    if not policy.check(conf, ctx, action, target):
        raise faults.Fault(403, 'You are not authorized to complete %s '
                                'action.' % action)


def _visible(conf, ctx, image_id, action):
    """The image, if ``ctx`` may see it (the lookup applies Glance's
    visibility rules: 404 otherwise), once ``action`` allows ``ctx`` on it
    (the target's ``project_id`` is the owner: 403 otherwise)."""
    img = images_db.get(ctx, image_id)
    _authorize(conf, ctx, action, {'project_id': img['owner'],
                                   'visibility': img['visibility']})
    return img


def _check_visibility(conf, ctx, visibility, target):
    """``publicize_image`` / ``communitize_image`` for what asks for it."""
    rule = _VISIBILITY_RULES.get(visibility)
    if rule:
        _authorize(conf, ctx, rule, target)


def _no_content():
    request_env.set_status(204)
    return ''


class ImageFileController:
    """/image/v2/images/<id>/file: the bits, streamed both ways."""

    def __init__(self, store, image_id):
        self.store = store
        self.image_id = image_id

    @pecan.expose(generic=True)
    def index(self):
        request_env.only_get()
        img = _visible(self.store.conf, request_env.context(), self.image_id,
                       'download_image')
        if img['status'] != 'active':
            return _no_content()
        try:
            chunks = self.store.iter_chunks(img['id'])
        except FileNotFoundError:
            return _no_content()
        resp = webob.Response(content_type='application/octet-stream')
        resp.app_iter = chunks
        resp.content_length = img['size']
        if img['checksum']:
            resp.headers['Content-MD5'] = img['checksum']
        return resp

    @index.when(method='PUT')
    def index_put(self):
        ctx = request_env.context()
        req = pecan.request
        img = _visible(self.store.conf, ctx, self.image_id, 'upload_image')
        if req.content_type not in ('', 'application/octet-stream'):
            raise faults.Fault(415, 'Content type %s is not supported for '
                                    'image data.' % req.content_type)
        if not img['disk_format'] or not img['container_format']:
            raise faults.bad_request('Properties disk_format, '
                                     'container_format must be set prior '
                                     'to saving data.')
        if (req.content_length or 0) > self.store.size_cap:
            raise faults.Fault(413, str(image_store.SizeExceeded(
                self.store.size_cap)))
        images_db.update(ctx, img['id'], {'status': 'saving'},
                         expected_status='queued')
        try:
            size, md5, sha512, head = self.store.write(img['id'],
                                                       req.body_file)
        except BaseException as exc:
            # A failed or refused upload leaves the image queued, as Glance
            # does, so the client can try again.
            self._revert(ctx)
            if isinstance(exc, image_store.SizeExceeded):
                raise faults.Fault(413, str(exc))
            raise
        try:
            images_db.update(ctx, img['id'], {
                'status': 'active', 'size': size, 'checksum': md5,
                'virtual_size': image_store.virtual_size(
                    img['disk_format'], head, size),
                'os_hash_algo': 'sha512', 'os_hash_value': sha512},
                expected_status='saving')
        except (exception.ImageNotFound, exception.Conflict):
            self.store.delete(img['id'])
            raise faults.Fault(410, 'Image %s could not be found after '
                                    'upload. The image may have been '
                                    'deleted during the upload.' % img['id'])
        return _no_content()

    def _revert(self, ctx):
        try:
            images_db.update(ctx, self.image_id, {'status': 'queued'},
                             expected_status='saving')
        except (exception.ImageNotFound, exception.Conflict):
            pass


class TagController:
    """/image/v2/images/<id>/tags/<tag>: PUT adds, DELETE removes."""

    def __init__(self, conf, image_id, tag):
        self.conf = conf
        self.image_id = image_id
        self.tag = tag

    def _change(self, add):
        ctx = request_env.context()
        _visible(self.conf, ctx, self.image_id, 'modify_image')
        if add and len(self.tag) > 255:
            raise faults.bad_request('Tag is too long: more than 255 '
                                     'characters.')

        def change(img):
            tags = set(img['tags'] or ())
            if not add and self.tag not in tags:
                raise faults.Fault(404, 'Tag %s not found.' % self.tag)
            (tags.add if add else tags.remove)(self.tag)
            if len(tags) > schema.TAG_QUOTA:
                raise faults.Fault(413, 'Maximum number of tags (%d) '
                                        'exceeded.' % schema.TAG_QUOTA)
            return {'tags': sorted(tags)}

        images_db.modify(ctx, self.image_id, change)
        return _no_content()

    @pecan.expose(generic=True)
    def index(self):
        raise faults.Fault(405, 'The method is not allowed for this '
                                'resource.')

    @index.when(method='PUT')
    def index_put(self):
        return self._change(add=True)

    @index.when(method='DELETE')
    def index_delete(self):
        return self._change(add=False)


class TagsController:

    def __init__(self, conf, image_id):
        self.conf = conf
        self.image_id = image_id

    @pecan.expose()
    def _lookup(self, tag, *remainder):
        return TagController(self.conf, self.image_id, tag), remainder


class ImageController:
    """/image/v2/images/<id>: show, JSON-patch update, delete."""

    def __init__(self, store, image_id):
        self.store = store
        self.image_id = image_id
        self.file = ImageFileController(store, image_id)
        self.tags = TagsController(store.conf, image_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        return view.image(_visible(self.store.conf, request_env.context(),
                                   self.image_id, 'get_image'))

    @index.when(method='PATCH', template='json')
    def index_patch(self):
        ctx = request_env.context()
        draft = schema.PATCH_TYPES.get(pecan.request.content_type)
        if draft is None:
            raise faults.Fault(415, 'Unsupported Content-Type: use %s'
                               % ' or '.join(sorted(schema.PATCH_TYPES)))
        changes = schema.parse_patch(pecan.request.body, draft)
        img = _visible(self.store.conf, ctx, self.image_id, 'modify_image')
        for _op, key, value in changes:
            if key == 'visibility' and value != img['visibility']:
                _check_visibility(self.store.conf, ctx, value,
                                  {'project_id': img['owner']})
        img = images_db.modify(ctx, self.image_id, lambda cur: (
            schema.apply_patch(cur, changes, ctx.is_admin)))
        return view.image(img)

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        img = _visible(self.store.conf, ctx, self.image_id, 'delete_image')
        images_db.destroy(ctx, img['id'])
        self.store.delete(img['id'])
        return _no_content()


class ImagesController:
    """/image/v2/images: list and create."""

    def __init__(self, conf):
        self.conf = conf
        self.store = image_store.ImageStore(conf)

    @staticmethod
    def _no_empty_id():
        """``/v2/images/``: an image with an empty id, which Glance's
        router has no route for (404, not the list)."""
        if pecan.request.path.endswith('/'):
            raise faults.Fault(404, 'The resource could not be found.')

    @pecan.expose(generic=True, template='json')
    def index(self):
        self._no_empty_id()
        request_env.only_get()
        _authorize(self.conf, request_env.context(), 'get_images',
                   {'project_id': request_env.context().project_id})
        params = request_env.params()
        filters, limit, marker, sort = schema.list_query(
            params, DEFAULT_LIMIT, self.conf.api.max_limit)
        try:
            found = images_db.get_all(request_env.context(), filters,
                                      limit=limit, marker=marker, sort=sort)
        except exception.ImageNotFound:
            raise faults.bad_request('Invalid marker. Image %s could not be '
                                     'found.' % marker)
        return view.images(found, params, limit)

    @index.when(method='POST', template='json')
    def index_post(self):
        self._no_empty_id()
        ctx = request_env.context()
        values = schema.create_values(request_env.json_body(), ctx)
        target = {'project_id': values.get('owner') or ctx.project_id}
        _authorize(self.conf, ctx, 'add_image', target)
        _check_visibility(self.conf, ctx, values.get('visibility'), target)
        img = images_db.create(ctx, values)
        request_env.set_status(201)
        pecan.response.headers['Location'] = '/v2/images/%s' % img['id']
        return view.image(img)

    @index.when(method='PUT', template='json')
    @index.when(method='PATCH', template='json')
    @index.when(method='DELETE', template='json')
    def index_other(self):
        self._no_empty_id()
        raise faults.Fault(405, 'The method is not allowed for this '
                           'resource.')

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        return ImageController(self.store, image_id), remainder


class SchemasController:
    """/image/v2/schemas/image(s): what glanceclient-style clients read."""

    metadefs = metadefs.SchemasController()

    @pecan.expose('json')
    def image(self):
        return schema.IMAGE

    @pecan.expose('json')
    def images(self):
        return schema.IMAGES


class V2Controller:

    def __init__(self, conf):
        self.images = ImagesController(conf)
        self.schemas = SchemasController()
        self.metadefs = metadefs.MetadefsController()


class ImageRootController:
    """/image: the versions document, then v2."""

    def __init__(self, conf):
        self.conf = conf
        self.v2 = V2Controller(conf)

    @pecan.expose('json')
    def index(self):
        request_env.set_status(300)
        return view.versions(request_env.base_url(self.conf))

    @pecan.expose('json')
    def versions(self):
        return view.versions(request_env.base_url(self.conf))
