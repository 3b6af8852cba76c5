"""/v2.1/os-services (Nova's services API, admin only): list (``host`` and
``binary`` filters), enable / disable (with a reason) / force-down by host
and binary before 2.53, ``PUT /os-services/{uuid}`` from 2.53, delete (by
id, by uuid from 2.53). A disabled compute service gets no new servers
(the scheduler's ComputeFilter)."""

import uuid

import pecan

from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.api import validation
from novalite.api import zones
from novalite.api.schemas import common
from novalite.api.schemas import services as schema
from novalite.common.db import services as services_db
from novalite.common import exception

S = 'os_compute_api:os-services:%s'
_ACTIONS = ('enable', 'disable', 'disable-log-reason', 'force-down')


def _time(value):
    return value.isoformat(timespec='microseconds') if value else None


def view(conf, svc, zone_map, version):
    body = {
        'id': svc['uuid'] if version >= '2.53' else svc['id'],
        'binary': svc['binary'], 'host': svc['host'],
        'zone': zones.service_zone(svc, zone_map),
        'status': 'disabled' if svc['disabled'] else 'enabled',
        'state': 'up' if services_db.is_up(svc, conf.service_down_time)
        else 'down',
        'updated_at': _time(svc['updated_at'] or svc['created_at']),
        'disabled_reason': svc['disabled_reason'],
    }
    if version >= '2.11':
        body['forced_down'] = bool(svc['forced_down'])
    return body


def _not_found(service_id):
    return faults.Fault(404, 'Service %s could not be found.' % service_id)


class ServicesController:

    def __init__(self, conf):
        self.conf = conf

    def _authorize(self, rule):
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, S % rule)
        return ctx

    def _service(self, ctx, service_id):
        """The service by id (uuid from 2.53); 400/404 as Nova."""
        if request_env.version_at_least('2.53'):
            try:
                uuid.UUID(service_id)
            except ValueError:
                raise faults.bad_request('Invalid uuid %s' % service_id)
            key = service_id
        else:
            if not service_id.isdigit() or len(service_id) > 18:
                raise faults.bad_request('Invalid service id %s'
                                         % service_id)
            key = int(service_id)
        try:
            return services_db.get(ctx, key)
        except exception.NotFound:
            raise _not_found(service_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = self._authorize('list')
        params = request_env.params()
        found = services_db.get_all(ctx, binary=params.get('binary'))
        if params.get('host'):
            found = [s for s in found if s['host'] == params['host']]
        version = request_env.api_version()
        zone_map = zones.host_zones(ctx)
        return {'services': [view(self.conf, s, zone_map, version)
                             for s in sorted(found, key=lambda s: s['id'])]}

    # -- PUT /os-services/<action> (before 2.53), /<uuid> (2.53) -------------
    @pecan.expose()
    def _lookup(self, service_id, *remainder):
        if remainder:
            raise faults.Fault(404, 'The resource could not be found.')
        return ServiceController(self, service_id), ()

    def update_by_host(self, action):
        version = request_env.api_version()
        if action == 'force-down' and version < '2.11':
            raise faults.Fault(404, 'The resource could not be found.')
        body = request_env.json_body()
        validation.validate(schema.service_update_v211 if version >= '2.11'
                            else schema.service_update, body)
        ctx = self._authorize('update')
        svc = services_db.get_by_host_binary(ctx, body['host'],
                                             body['binary'])
        if svc is None:
            raise faults.Fault(404, 'Unknown service')
        result = {'host': body['host'], 'binary': body['binary']}
        if action == 'enable':
            values = {'disabled': False, 'disabled_reason': None}
            result['status'] = 'enabled'
        elif action == 'disable':
            values = {'disabled': True, 'disabled_reason': None}
            result['status'] = 'disabled'
        elif action == 'disable-log-reason':
            reason = body.get('disabled_reason')
            if not reason:
                raise faults.bad_request('Missing disabled reason field')
            values = {'disabled': True, 'disabled_reason': reason}
            result.update(status='disabled', disabled_reason=reason)
        else:
            if 'forced_down' not in body:
                raise faults.bad_request('Missing forced_down field')
            forced = common.to_bool(body['forced_down'])
            values = {'forced_down': forced}
            result['forced_down'] = forced
        services_db.update(ctx, svc['id'], values)
        return {'service': result}

    def update_v253(self, service_id):
        body = request_env.json_body()
        validation.validate(schema.service_update_v253, body)
        ctx = self._authorize('update')
        svc = self._service(ctx, service_id)
        if svc['binary'] != zones.COMPUTE_BINARY:
            raise faults.bad_request(
                'Updating a %s service is not supported. Only '
                '%s services can be updated.' % (svc['binary'],
                                                 zones.COMPUTE_BINARY))
        status = body.get('status')
        reason = body.get('disabled_reason')
        if 'status' not in body and 'forced_down' not in body:
            raise faults.bad_request("No updates were requested. Fields "
                                     "'status' or 'forced_down' should be "
                                     "specified.")
        if reason and status != 'disabled':
            raise faults.bad_request('Specifying a disabled_reason is only '
                                     'supported when the status is '
                                     'disabled.')
        values = {}
        if status == 'enabled':
            values.update(disabled=False, disabled_reason=None)
        elif status == 'disabled':
            values.update(disabled=True, disabled_reason=reason)
        if 'forced_down' in body:
            values['forced_down'] = common.to_bool(body['forced_down'])
        svc = services_db.update(ctx, svc['id'], values)
        return {'service': view(self.conf, svc, zones.host_zones(ctx),
                                request_env.api_version())}


class ServiceController:
    """/os-services/<id or action>"""

    def __init__(self, parent, service_id):
        self.parent = parent
        self.service_id = service_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        raise faults.Fault(404, 'The resource could not be found.')

    @index.when(method='PUT', template='json')
    def index_put(self):
        if request_env.version_at_least('2.53'):
            return self.parent.update_v253(self.service_id)
        if self.service_id not in _ACTIONS:
            raise faults.Fault(404, 'Unknown action')
        return self.parent.update_by_host(self.service_id)

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = self.parent._authorize('delete')
        svc = self.parent._service(ctx, self.service_id)
        try:
            services_db.destroy(ctx, svc['id'],
                                compute_binary=zones.COMPUTE_BINARY)
        except exception.NotFound:
            raise _not_found(self.service_id)
        request_env.set_status(204)
        return ''
