"""/image: a Glance v2-compatible image API over the built-in store."""

import pecan
import webob

from novalite.api import faults
from novalite.api import image_store
from novalite.api import request_env
from novalite.api.schemas import images as schema
from novalite.api import validation
from novalite.api.views import images as view
from novalite.common.db import images as images_db

_COLUMNS = ('id', 'name', 'visibility', 'protected', 'tags',
            'container_format', 'disk_format', 'min_disk', 'min_ram')


class ImageFileController:
    """/image/v2/images/<id>/file"""

    def __init__(self, store, image_id):
        self.store = store
        self.image_id = image_id

    @pecan.expose(generic=True)
    def index(self):
        request_env.only_get()
        img = images_db.get(request_env.context(), self.image_id)
        if img['status'] != 'active' or not self.store.exists(img['id']):
            request_env.set_status(204)
            return ''
        resp = webob.Response(content_type='application/octet-stream')
        resp.app_iter = self.store.iter_chunks(img['id'])
        resp.content_length = img['size']
        if img['checksum']:
            resp.headers['Content-MD5'] = img['checksum']
        return resp

    @index.when(method='PUT')
    def index_put(self):
        ctx = request_env.context()
        img = images_db.get(ctx, self.image_id)
        if not ctx.is_admin and img['owner'] != ctx.project_id:
            raise faults.Fault(403, 'You are not permitted to upload data '
                                    'to image %s.' % img['id'])
        images_db.update(ctx, img['id'], {'status': 'saving'},
                         expected_status='queued')
        try:
            size, md5, sha512 = self.store.write(
                img['id'], pecan.request.body_file)
        except Exception:
            images_db.update(ctx, img['id'], {'status': 'queued'})
            raise
        images_db.update(ctx, img['id'], {
            'status': 'active', 'size': size, 'virtual_size': None,
            'checksum': md5, 'os_hash_algo': 'sha512',
            'os_hash_value': sha512})
        request_env.set_status(204)
        return ''


class ImageController:
    """/image/v2/images/<id>"""

    def __init__(self, store, image_id):
        self.store = store
        self.image_id = image_id
        self.file = ImageFileController(store, image_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        return view.image(images_db.get(request_env.context(),
                                        self.image_id))

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = request_env.context()
        img = images_db.get(ctx, self.image_id)
        if not ctx.is_admin and img['owner'] != ctx.project_id:
            raise faults.Fault(403, 'You are not permitted to delete image '
                                    '%s.' % img['id'])
        images_db.destroy(ctx, img['id'])
        self.store.delete(img['id'])
        request_env.set_status(204)
        return ''


class ImagesController:
    """/image/v2/images"""

    def __init__(self, conf):
        self.conf = conf
        self.store = image_store.ImageStore(conf)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        params = request_env.params()
        limit = params.get('limit', '25')
        if not limit.isdigit():
            raise faults.bad_request('limit param must be an integer')
        limit = min(int(limit), self.conf.api.max_limit)
        filters = {k: params.get(k) for k in ('name', 'status', 'visibility',
                                              'owner')}
        found = images_db.get_all(ctx, filters, limit=limit,
                                  marker=params.get('marker'))
        body = {'images': [view.image(i) for i in found],
                'schema': '/v2/schemas/images', 'first': '/v2/images'}
        if found and len(found) == limit:
            body['next'] = '/v2/images?marker=%s&limit=%d' % (
                found[-1]['id'], limit)
        return body

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        body = request_env.json_body()
        for key in schema.READ_ONLY:
            if key in body:
                raise faults.Fault(403, "Attribute '%s' is read-only." % key)
        validation.validate(schema.create, body)
        if body.get('visibility') == 'public' and not ctx.is_admin:
            raise faults.Fault(403, 'You are not authorized to complete '
                                    'publicize_image action.')
        values = {k: body[k] for k in _COLUMNS if k in body}
        values['properties'] = {k: v for k, v in body.items()
                                if k not in _COLUMNS and k != 'os_hidden'}
        values['status'] = 'queued'
        img = images_db.create(ctx, values)
        request_env.set_status(201)
        pecan.response.headers['Location'] = '/v2/images/%s' % img['id']
        return view.image(img)

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        return ImageController(self.store, image_id), remainder


class V2Controller:

    def __init__(self, conf):
        self.images = ImagesController(conf)


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
