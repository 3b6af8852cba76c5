"""/v2.1/images: Nova's image proxy API (list, detail, show, delete) over
the built-in image store, with Nova's view of an image (``minRam``,
``minDisk``, ``metadata``, ``status`` in Nova's words, ``progress``,
``server`` for a snapshot). Deprecated in Nova at 2.36: from then on
these routes answer 404, as Nova's do. Visibility and ownership are
Glance's (Nova passes the user's token on): another project's private
image is a 404, deleting what Glance's ``delete_image`` rule refuses a
403."""

import pecan

from novalite.api import faults
from novalite.api import microversion
from novalite.api import policy
from novalite.api import request_env
from novalite.api.controllers import images as glance
from novalite.api.views import links as links_view
from novalite.common.db import images as images_db
from novalite.common import exception

MAX_VERSION = '2.35'
# nova/api/openstack/compute/views/images.py
_STATUS = {'active': 'ACTIVE', 'queued': 'SAVING', 'saving': 'SAVING',
           'importing': 'SAVING', 'uploading': 'SAVING',
           'deleted': 'DELETED', 'pending_delete': 'DELETED',
           'killed': 'ERROR'}
_PROGRESS = {'queued': 25, 'saving': 50, 'active': 100}


def _time(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def _links(conf, image_id):
    base = request_env.base_url(conf)
    return links_view.links(request_env.compute_prefixes(conf), 'images',
                            image_id) + [
        {'rel': 'alternate', 'type': 'application/vnd.openstack.image',
         'href': '%s/image/images/%s' % (base, image_id)}]


def basic(conf, img):
    return {'id': img['id'], 'name': img['name'],
            'links': _links(conf, img['id'])}


def show(conf, img):
    props = {k: v for k, v in (img.get('properties') or {}).items()
             if not k.startswith('os_')}
    body = basic(conf, img)
    body.update({
        'minRam': int(img['min_ram'] or 0),
        'minDisk': int(img['min_disk'] or 0),
        'metadata': props,
        'created': _time(img['created_at']),
        'updated': _time(img['updated_at'] or img['created_at']),
        'status': _STATUS.get(img['status'], 'UNKNOWN'),
        'progress': _PROGRESS.get(img['status'], 0),
        'OS-EXT-IMG-SIZE:size': img['size'],
    })
    server = props.get('instance_uuid')
    if server:
        body['server'] = {'id': server, 'links': links_view.links(
            request_env.compute_prefixes(conf), 'servers', server)}
    auto = props.get('auto_disk_config')
    if auto is not None:
        body['OS-DCF:diskConfig'] = (
            'AUTO' if str(auto).lower() in ('1', 'true', 'yes', 'on')
            else 'MANUAL')
    return body


def _check_version():
    if request_env.api_version() > microversion.APIVersion(MAX_VERSION):
        raise faults.Fault(404, 'The resource could not be found.')


def _get(ctx, image_id):
    try:
        return images_db.get(ctx, image_id)
    except exception.ImageNotFound:
        raise faults.Fault(404, 'Image not found.')


class ComputeImageController:

    def __init__(self, conf, image_id):
        self.conf = conf
        self.image_id = image_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        _check_version()
        return {'image': show(self.conf, _get(request_env.context(),
                                              self.image_id))}

    @index.when(method='DELETE')
    def index_delete(self):
        _check_version()
        ctx = request_env.context()
        img = _get(ctx, self.image_id)
        if not policy.check(self.conf, ctx, 'delete_image',
                            {'project_id': img['owner'],
                             'visibility': img['visibility']}):
            raise faults.Fault(403, 'You are not allowed to delete the '
                                    'image.')
        images_db.destroy(ctx, img['id'])
        glance.ImagesController(self.conf).store.delete(img['id'])
        request_env.set_status(204)
        return ''


class ComputeImagesController:

    def __init__(self, conf):
        self.conf = conf

    def _list(self, view):
        request_env.only_get()
        _check_version()
        params = request_env.params()
        filters = {}
        if params.get('name'):
            filters['name'] = params['name']
        if params.get('status'):
            wanted = params['status'].upper()
            filters['status'] = [s for s, shown in _STATUS.items()
                                 if shown == wanted]
        try:
            limit = int(params['limit']) if 'limit' in params else None
        except ValueError:
            raise faults.bad_request('limit param must be an integer')
        if limit is not None and limit < 0:
            raise faults.bad_request('limit param must be positive')
        limit = min(limit if limit is not None else self.conf.api.max_limit,
                    self.conf.api.max_limit)
        try:
            found = images_db.get_all(request_env.context(), filters,
                                      limit=limit,
                                      marker=params.get('marker'))
        except exception.ImageNotFound:
            raise faults.bad_request('marker [%s] not found'
                                     % params.get('marker'))
        return {'images': [view(self.conf, img) for img in found]}

    @pecan.expose(generic=True, template='json')
    def index(self):
        return self._list(basic)

    @pecan.expose(template='json')
    def detail(self):
        return self._list(show)

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        return ComputeImageController(self.conf, image_id), remainder
