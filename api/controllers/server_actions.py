"""POST /v2.1/servers/<id>/action: server actions (os-stop, os-start,
reboot, pause, unpause, suspend, resume, lock, unlock, rebuild,
os-getConsoleOutput, createImage). The body names one action; its schema is
checked before the server is looked up (400 before 404, as Nova)."""

import pecan

from novalite.api.controllers import server_security_groups
from novalite.api import faults
from novalite.api import request_env
from novalite.api.schemas import server_actions as schema
from novalite.api import server_actions as actions
from novalite.api import server_lookup
from novalite.api import validation

# The policy rule of each action (Nova's names).
_S = 'os_compute_api:servers:%s'
POLICIES = {
    'os-stop': _S % 'stop', 'os-start': _S % 'start',
    'reboot': _S % 'reboot', 'rebuild': _S % 'rebuild',
    'createImage': _S % 'create_image',
    'pause': 'os_compute_api:os-pause-server:pause',
    'unpause': 'os_compute_api:os-pause-server:unpause',
    'suspend': 'os_compute_api:os-suspend-server:suspend',
    'resume': 'os_compute_api:os-suspend-server:resume',
    'lock': 'os_compute_api:os-lock-server:lock',
    'unlock': 'os_compute_api:os-lock-server:unlock',
    'os-getConsoleOutput': 'os_compute_api:os-console-output',
}


class ServerActionController:

    def __init__(self, servers, server_id):
        self.servers = servers      # the ServersController (conf, clients)
        self.server_id = server_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        raise faults.Fault(405, 'The method is not allowed for this '
                                'resource.')

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        body = request_env.json_body()
        if len(body) != 1:
            raise faults.bad_request('Malformed request body: too many '
                                     'body keys')
        key = next(iter(body))
        handler = _HANDLERS.get(key)
        if handler is None:
            raise faults.bad_request('There is no such action: %s' % key)
        return handler(self, ctx, body)

    def _server(self, ctx, key):
        """The server, once the policy rule of action ``key`` allows it."""
        return server_lookup.get(self.servers.conf, ctx, self.server_id,
                                 POLICIES[key])

    @staticmethod
    def _accepted():
        # 202 with an empty body; pecan sends a returned response as is.
        resp = pecan.response
        resp.status = 202
        resp.body = b''
        return resp

    # -- handlers -------------------------------------------------------------
    def _simple(self, ctx, body):
        (key,) = body
        actions.simple(ctx, self._server(ctx, key), key,
                       self.servers.compute())
        return self._accepted()

    def _reboot(self, ctx, body):
        validation.validate(schema.reboot, body)
        actions.reboot(ctx, self._server(ctx, 'reboot'),
                       body['reboot']['type'],
                       self.servers.compute())
        return self._accepted()

    def _lock(self, ctx, body):
        reason = None
        if request_env.version_at_least('2.73'):
            validation.validate(schema.lock_v273, body)
            reason = (body['lock'] or {}).get('locked_reason')
        actions.lock(ctx, self._server(ctx, 'lock'), reason)
        return self._accepted()

    def _unlock(self, ctx, body):
        actions.unlock(self.servers.conf, ctx,
                       self._server(ctx, 'unlock'))
        return self._accepted()

    def _rebuild(self, ctx, body):
        version = request_env.api_version()
        validation.validate(schema.rebuild_schema(version), body)
        inst, password = actions.rebuild(self.servers.conf, ctx,
                                         self._server(ctx, 'rebuild'),
                                         body['rebuild'],
                                         self.servers.compute())
        server = self.servers.views(ctx).rebuilt(inst)
        server['adminPass'] = password
        request_env.set_status(202)
        return {'server': server}

    def _console_output(self, ctx, body):
        validation.validate(schema.get_console_output, body)
        length = body['os-getConsoleOutput'].get('length')
        output = actions.console_output(
            ctx, self._server(ctx, 'os-getConsoleOutput'), length,
            self.servers.compute())
        return {'output': output}

    def _security_group(self, ctx, body):
        server_security_groups.action(self.servers.conf, ctx,
                                      self.server_id, body)
        return self._accepted()

    def _create_image(self, ctx, body):
        validation.validate(schema.create_image, body)
        image_id = actions.create_image(self.servers.conf, ctx,
                                        self._server(ctx, 'createImage'),
                                        body['createImage'],
                                        self.servers.compute())
        if request_env.version_at_least('2.45'):
            request_env.set_status(202)    # 2.45: the id, no Location
            return {'image_id': image_id}
        pecan.response.headers['Location'] = '%s/image/v2/images/%s' % (
            request_env.base_url(self.servers.conf), image_id)
        return self._accepted()


_HANDLERS = dict(
    {key: ServerActionController._simple for key in actions.RULES},
    **{'reboot': ServerActionController._reboot,
       'lock': ServerActionController._lock,
       'unlock': ServerActionController._unlock,
       'rebuild': ServerActionController._rebuild,
       'os-getConsoleOutput': ServerActionController._console_output,
       'createImage': ServerActionController._create_image},
    **{key: ServerActionController._security_group
       for key in server_security_groups.ACTIONS})
