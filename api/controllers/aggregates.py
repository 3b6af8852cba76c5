"""/v2.1/os-aggregates (Nova's aggregates API, admin only): create, list,
show, update, delete, and the actions add_host, remove_host and
set_metadata; ``uuid`` shown from 2.41. The ``availability_zone``
metadata makes the aggregate's hosts an availability zone: a host is in
one zone at most (409), and the internal zone's name is refused."""

import pecan

from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.api import validation
from novalite.api import zones
from novalite.api.schemas import aggregates as schema
from novalite.common.db import aggregates as aggregates_db
from novalite.common.db import services as services_db
from novalite.common import exception

G = 'os_compute_api:os-aggregates:%s'


def _time(value):
    return value.isoformat(timespec='microseconds') if value else None


def view(agg, version, brief=False):
    body = {'availability_zone': agg['availability_zone'],
            'created_at': _time(agg['created_at']), 'deleted': False,
            'deleted_at': None, 'id': agg['id'], 'name': agg['name'],
            'updated_at': _time(agg['updated_at'])}
    if not brief:
        body.update(hosts=agg['hosts'], metadata=agg['metadata'])
    if version >= '2.41':
        body['uuid'] = agg['uuid']
    return body


def _authorize(conf, rule):
    ctx = request_env.context()
    policy.authorize(conf, ctx, G % rule)
    return ctx


def _check_zone(zone):
    if zone == zones.INTERNAL_AZ:
        raise faults.bad_request('The specified availability zone %s is '
                                 'the internal availability zone' % zone)


class AggregateController:
    """/os-aggregates/<id> and /<id>/action"""

    def __init__(self, conf, aggregate_id):
        self.conf = conf
        self.raw_id = aggregate_id

    def _id(self):
        if not self.raw_id.isdigit() or len(self.raw_id) > 18:
            raise faults.bad_request('Invalid input received: id must be '
                                     'an integer.')
        return int(self.raw_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = _authorize(self.conf, 'show')
        return {'aggregate': view(aggregates_db.get(ctx, self._id()),
                                  request_env.api_version())}

    @index.when(method='PUT', template='json')
    def index_put(self):
        body = request_env.json_body()
        validation.validate(schema.update, body)
        ctx = _authorize(self.conf, 'update')
        values = body['aggregate']
        if values.get('availability_zone'):
            _check_zone(values['availability_zone'])
        agg = aggregates_db.update(ctx, self._id(), values)
        return {'aggregate': view(agg, request_env.api_version())}

    @index.when(method='DELETE')
    def index_delete(self):
        ctx = _authorize(self.conf, 'delete')
        try:
            aggregates_db.destroy(ctx, self._id())
        except exception.Invalid as exc:
            raise faults.bad_request(exc.message)
        # Nova answers 200 with an empty body; pecan turns an empty 200
        # into a 204 unless the body is a generator that yields.
        resp = pecan.response
        resp.status = 200
        resp.app_iter = (chunk for chunk in (b'',))
        return resp

    @pecan.expose('json')
    def action(self):
        if pecan.request.method != 'POST':
            raise faults.Fault(405, 'The method is not allowed for this '
                               'resource.')
        body = request_env.json_body()
        name = next(iter(body), None) if isinstance(body, dict) else None
        handler = {'add_host': self._add_host,
                   'remove_host': self._remove_host,
                   'set_metadata': self._set_metadata}.get(name)
        if handler is None:
            raise faults.bad_request('There is no such action: %s' % name)
        validation.validate(getattr(schema, name), body)
        ctx = _authorize(self.conf, name)
        agg = handler(ctx, self._id(), body[name])
        return {'aggregate': view(agg, request_env.api_version())}

    def _add_host(self, ctx, aggregate_id, args):
        host = args['host']
        agg = aggregates_db.get(ctx, aggregate_id)
        if services_db.get_by_host_binary(ctx, host,
                                          zones.COMPUTE_BINARY) is None:
            raise faults.Fault(404, 'Compute host %s could not be found.'
                               % host)
        zone = agg['availability_zone']
        if zone:
            others = set(aggregates_db.zones_of_hosts(
                ctx, [host]).get(host, [])) - {zone}
            if others:
                raise faults.Fault(409, (
                    'Cannot add host to aggregate %s. Reason: One or more '
                    'hosts already in availability zone(s) %s.'
                    % (aggregate_id, sorted(others))))
        try:
            return aggregates_db.add_host(ctx, aggregate_id, host)
        except exception.Conflict as exc:
            raise faults.Fault(409, exc.message)

    def _remove_host(self, ctx, aggregate_id, args):
        agg = aggregates_db.get(ctx, aggregate_id)
        if args['host'] not in agg['hosts'] and \
                services_db.get_by_host_binary(
                    ctx, args['host'], zones.COMPUTE_BINARY) is None:
            raise faults.Fault(404, 'Compute host %s could not be found.'
                               % args['host'])
        return aggregates_db.remove_host(ctx, aggregate_id, args['host'])

    def _set_metadata(self, ctx, aggregate_id, args):
        metadata = args['metadata']
        zone = metadata.get(aggregates_db.AZ_KEY)
        if zone:
            _check_zone(zone)
            agg = aggregates_db.get(ctx, aggregate_id)
            conflicts = {z for zs in aggregates_db.zones_of_hosts(
                ctx, agg['hosts']).values() for z in zs} - {
                zone, agg['availability_zone']}
            if conflicts:
                raise faults.bad_request(
                    "Invalid action 'update_metadata' on aggregate %s: One "
                    "or more hosts already in availability zone(s) %s"
                    % (aggregate_id, sorted(conflicts)))
        return aggregates_db.set_metadata(ctx, aggregate_id, metadata)


class AggregatesController:
    """/os-aggregates"""

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = _authorize(self.conf, 'index')
        version = request_env.api_version()
        return {'aggregates': [view(a, version)
                               for a in aggregates_db.get_all(ctx)]}

    @index.when(method='POST', template='json')
    def index_post(self):
        body = request_env.json_body()
        validation.validate(schema.create, body)
        ctx = _authorize(self.conf, 'create')
        zone = body['aggregate'].get('availability_zone')
        if zone:
            _check_zone(zone)
        agg = aggregates_db.create(ctx, body['aggregate']['name'], zone)
        return {'aggregate': view(agg, request_env.api_version(),
                                  brief=True)}

    @pecan.expose()
    def _lookup(self, aggregate_id, *remainder):
        if remainder and remainder != ('action',):
            raise faults.Fault(404, 'The resource could not be found.')
        return AggregateController(self.conf, aggregate_id), remainder
