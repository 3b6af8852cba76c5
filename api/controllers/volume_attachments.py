"""A server's volume attachments (Nova's os-volume_attachments) in a cloud
without block storage: the list is empty, and a volume named to show,
attach, swap or detach is not found, with Nova's messages and codes
(404), after the server lookup and policy as in Nova. Never a 500 for a
client written for a cloud with Cinder.

Policy: ``os_compute_api:os-volumes-attachments:index`` and ``:show``
(project reader), ``:create``, ``:update`` and ``:delete`` (project
member)."""

import pecan

from novalite.api import faults
from novalite.api import request_env
from novalite.api import server_lookup

POLICY = 'os_compute_api:os-volumes-attachments:%s'


class VolumeAttachmentsController:
    """/servers/<id>/os-volume_attachments[/<volume id>]"""

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    def _server(self, rule):
        ctx = request_env.context()
        return server_lookup.get(self.conf, ctx, self.server_id,
                                 POLICY % rule)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        self._server('index')
        return {'volumeAttachments': []}

    @index.when(method='POST', template='json')
    def index_post(self):
        self._server('create')
        body = request_env.json_body()
        attach = body.get('volumeAttachment') if isinstance(body, dict) \
            else None
        if not isinstance(attach, dict) or not attach.get('volumeId'):
            raise faults.bad_request("Invalid input for field/attribute "
                                     "volumeAttachment. Value: %s. "
                                     "'volumeId' is a required property"
                                     % attach)
        raise faults.Fault(404, 'Volume %s could not be found.'
                          % attach['volumeId'])

    @pecan.expose()
    def _lookup(self, volume_id, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return _Attachment(self, volume_id), ()


class _Attachment:
    """/servers/<id>/os-volume_attachments/<volume id>: none exists."""

    def __init__(self, parent, volume_id):
        self.parent = parent
        self.volume_id = volume_id

    def _missing(self, rule):
        self.parent._server(rule)
        raise faults.Fault(404, 'Volume %s is not attached to the instance'
                           % self.volume_id if rule != 'show' else
                           'Volume attachment could not be found')

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        self._missing('show')

    @index.when(method='PUT', template='json')
    def index_put(self):
        self._missing('update')

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        self._missing('delete')
