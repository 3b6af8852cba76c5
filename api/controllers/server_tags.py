"""/v2.1/servers/<id>/tags (microversion 2.26): list, replace and clear a
server's tags, and check, add or remove one (after Nova's server_tags).

Policy: Nova's ``os_compute_api:os-server-tags:*`` rules (reads: project
reader, writes: project member)."""

import pecan

from novalite.api import faults
from novalite.api import request_env
from novalite.api.schemas import common
from novalite.api import server_lookup
from novalite.api import validation
from novalite.common.db import instances as instances_db
from novalite.common import exception
from novalite.common import states

TAGS = 'os_compute_api:os-server-tags:%s'
_WRITABLE = (states.ACTIVE, states.PAUSED, states.SUSPENDED, states.STOPPED)

update_all = {
    'type': 'object',
    'properties': {'tags': common.tags},
    'required': ['tags'],
    'additionalProperties': False,
}


def _since_226():
    if not request_env.version_at_least('2.26'):
        raise faults.Fault(404, 'The resource could not be found.')


def _server(conf, server_id, rule, action=None):
    """The server once ``rule`` allows it; for a write (``action``) it must
    be in a state Nova lets tags change in (409 otherwise)."""
    _since_226()
    ctx = request_env.context()
    inst = server_lookup.get(conf, ctx, server_id, rule)
    if action and inst['vm_state'] not in _WRITABLE:
        raise faults.Fault(409, "Cannot '%s' instance %s while it is in "
                           "vm_state %s" % (action, server_id,
                                            inst['vm_state']))
    return ctx, inst


def _no_content():
    resp = pecan.response
    resp.status = 204
    resp.body = b''
    return resp


class ServerTagController:
    """/servers/<id>/tags/<tag>"""

    def __init__(self, conf, server_id, tag):
        self.conf = conf
        self.server_id = server_id
        self.tag = tag

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'show')
        if self.tag not in instances_db.tags_get_many(
                ctx, [inst['uuid']])[inst['uuid']]:
            raise faults.Fault(404, "Server %s has no tag '%s'"
                               % (self.server_id, self.tag))
        return _no_content()

    @index.when(method='PUT', template='json')
    def index_put(self):
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'update',
                            'update tag')
        import jsonschema   # on first use: see api/validation.py
        try:
            jsonschema.validate(self.tag, common.tag)
        except jsonschema.ValidationError as exc:
            raise faults.bad_request(
                "Tag '%s' is invalid. It must be a non empty string without "
                "characters '/' and ','. Validation error message: %s"
                % (self.tag, exc.message))
        try:
            added = instances_db.tag_add(ctx, inst['uuid'], self.tag,
                                         common.MAX_TAGS)
        except exception.Invalid as exc:
            raise faults.bad_request(exc.message)
        if added:
            prefix = request_env.compute_prefixes(self.conf)[0]
            pecan.response.headers['Location'] = '%s/servers/%s/tags/%s' % (
                prefix, inst['uuid'], self.tag)
            resp = pecan.response
            resp.status = 201
            resp.body = b''
            return resp
        return _no_content()

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'delete',
                            'delete tag')
        if not instances_db.tag_delete(ctx, inst['uuid'], self.tag):
            raise faults.Fault(404, "Server %s has no tag '%s'"
                               % (self.server_id, self.tag))
        return _no_content()


class ServerTagsController:
    """/servers/<id>/tags"""

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'index')
        return {'tags': instances_db.tags_get_many(
            ctx, [inst['uuid']])[inst['uuid']]}

    @index.when(method='PUT', template='json')
    def index_put(self):
        _since_226()
        body = request_env.json_body()
        validation.validate(update_all, body)
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'update_all',
                            'update tags')
        return {'tags': instances_db.tags_set(ctx, inst['uuid'],
                                              body['tags'])}

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        ctx, inst = _server(self.conf, self.server_id, TAGS % 'delete_all',
                            'delete tags')
        instances_db.tags_set(ctx, inst['uuid'], [])
        return _no_content()

    @pecan.expose()
    def _lookup(self, tag, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return ServerTagController(self.conf, self.server_id, tag), ()
