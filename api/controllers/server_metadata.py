"""/v2.1/servers/<id>/metadata and /metadata/<key> (Nova's
server_metadata): list, replace all (PUT), merge (POST), show, set and
delete one key. Writes need the server in ACTIVE, PAUSED, SUSPENDED or
SHUTOFF with no task running and unlocked (409 otherwise, Nova's
messages); the item count is limited by ``[quota] metadata_items``
(403 "Maximum number of metadata items exceeds N")."""

import pecan

from novalite.api import faults
from novalite.api import request_env
from novalite.api import server_actions
from novalite.api import server_lookup
from novalite.api import validation
from novalite.api.schemas import server_metadata as schema
from novalite.common.db import instances as instances_db
from novalite.common import states

M = 'os_compute_api:server-metadata:%s'
NOT_FOUND = 'Metadata item was not found'
DEFAULT_MAX_ITEMS = 128
_WRITABLE = (states.ACTIVE, states.PAUSED, states.SUSPENDED, states.STOPPED)


def max_items(conf):
    """``[quota] metadata_items`` when registered (Nova's default 128)."""
    try:
        return conf.quota.metadata_items
    except Exception:   # noqa: the option belongs to the quota module
        return DEFAULT_MAX_ITEMS


def _checker(ctx, action):
    """Nova's check_instance_lock + check_instance_state for a write."""
    rule = server_actions.Rule(action, _WRITABLE, (None,), None, None)

    def check(inst):
        server_actions.check_lock(ctx, inst)
        server_actions.check_state(rule, inst)
    return check


def _no_content():
    resp = pecan.response
    resp.status = 204
    resp.body = b''
    return resp


class _Base:

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    def _server(self, rule):
        ctx = request_env.context()
        return ctx, server_lookup.get(self.conf, ctx, self.server_id,
                                      M % rule)

    def _write(self, rule, metadata, replace):
        ctx, inst = self._server(rule)
        return instances_db.metadata_update(
            ctx, inst['uuid'], metadata, replace=replace,
            max_items=max_items(self.conf),
            check=_checker(ctx, 'update metadata'))


class ServerMetadataItemController(_Base):
    """/servers/<id>/metadata/<key>"""

    def __init__(self, conf, server_id, key):
        super().__init__(conf, server_id)
        self.key = key

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx, inst = self._server('show')
        metadata = inst['metadata'] or {}
        if self.key not in metadata:
            raise faults.Fault(404, NOT_FOUND)
        return {'meta': {self.key: metadata[self.key]}}

    @index.when(method='PUT', template='json')
    def index_put(self):
        body = request_env.json_body()
        validation.validate(schema.update, body)
        if self.key not in body['meta']:
            raise faults.bad_request('Request body and URI mismatch')
        self._write('update', body['meta'], replace=False)
        return {'meta': body['meta']}

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        ctx, inst = self._server('delete')
        if self.key not in (inst['metadata'] or {}):
            raise faults.Fault(404, NOT_FOUND)
        if not instances_db.metadata_delete(
                ctx, inst['uuid'], self.key,
                check=_checker(ctx, 'delete metadata')):
            raise faults.Fault(404, NOT_FOUND)
        return _no_content()


class ServerMetadataController(_Base):
    """/servers/<id>/metadata"""

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx, inst = self._server('index')
        return {'metadata': inst['metadata'] or {}}

    @index.when(method='POST', template='json')
    def index_post(self):
        body = request_env.json_body()
        validation.validate(schema.create, body)
        return {'metadata': self._write('create', body['metadata'],
                                        replace=False)}

    @index.when(method='PUT', template='json')
    def index_put(self):
        body = request_env.json_body()
        validation.validate(schema.update_all, body)
        return {'metadata': self._write('update_all', body['metadata'],
                                        replace=True)}

    @pecan.expose()
    def _lookup(self, key, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return ServerMetadataItemController(self.conf, self.server_id,
                                            key), ()
