"""/network/v2.0/{networks,subnets,ports,security-groups,
security-group-rules}: list (filters, ``fields``, ``limit``/``marker``),
show, create, update (where stored), delete."""

import functools
import ipaddress

import pecan
import webob

from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.api import secgroup_refresh
from novalite.api.schemas import network as schema
from novalite.api.views import network as view
from novalite.common.db import network_api
from novalite.common.db import secgroup_rules
from novalite.common import exception


def neutron_errors(func):
    """Answer what ``func`` raises as Neutron does."""
    @functools.wraps(func)
    def wrapper(self):
        try:
            return func(self)
        except network_api.Error as exc:
            return view.fault(exc.code, exc.type, exc.message)
        except exception.PolicyNotAuthorized as exc:
            return view.fault(403, 'PolicyNotAuthorized', exc.message)
        except faults.Fault as exc:
            return view.fault(exc.code, None, exc.message)
        except exception.NovaliteException as exc:
            if exc.code >= 500:
                raise
            return view.fault(exc.code, None, exc.message)
    return wrapper


def _target(item):
    return {'project_id': item.get('project_id') or '',
            'shared': bool(item.get('shared'))}


def _body():
    try:
        return request_env.json_body()
    except faults.Fault:
        raise network_api.Error(400, 'HTTPBadRequest',
                                'Malformed request body')


def _read_only(singular, body):
    values = body.get(singular) if isinstance(body, dict) else None
    if not isinstance(values, dict):
        raise network_api.Error(400, 'HTTPBadRequest',
                                'Resource body required')
    raise network_api.Error(
        400, 'HTTPBadRequest', 'Cannot update read-only attribute %s'
        % (sorted(values)[0] if values else singular))


class Missing:
    """Whatever /network does not serve: Neutron's 404."""

    @pecan.expose()
    def index(self, *args, **kwargs):
        return view.fault(404, 'HTTPNotFound',
                          'The resource could not be found.')


class Collection:
    """One resource family; subclasses provide the database calls."""

    singular = plural = kind = rule = ''
    updatable = True   # False: no update_<rule> policy, PUT is a 400

    def __init__(self, conf):
        self.conf = conf

    # -- subclass hooks ----------------------------------------------------
    def fetch_all(self, ctx):
        raise NotImplementedError

    def fetch(self, ctx, ident):
        raise NotImplementedError

    def create(self, ctx, body):
        raise NotImplementedError

    def update(self, ctx, item, body):
        raise network_api.Error(400, 'HTTPBadRequest',
                                'Updating %s is not supported.'
                                % self.plural)

    def destroy(self, ctx, item):
        raise NotImplementedError

    def shown(self, ctx, item):
        return item

    # -- shared logic -----------------------------------------------------
    def allowed(self, ctx, item):
        return policy.check(self.conf, ctx, 'get_' + self.rule,
                            _target(item))

    def authorize(self, ctx, action, target):
        policy.authorize(self.conf, ctx, action, target)

    def visible(self, ctx, ident):
        item = self.fetch(ctx, ident)
        if not self.allowed(ctx, item):
            raise network_api.not_found(self.kind, ident)
        return item

    @pecan.expose(generic=True, template='json')
    @neutron_errors
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        params = request_env.params()
        items = [i for i in self.fetch_all(ctx) if self.allowed(ctx, i)]
        items = [self.shown(ctx, i) for i in items]
        items = view.filtered(items, params)
        try:
            items, links = view.page(items, params, pecan.request.path_url,
                                     self.plural)
        except ValueError:
            raise network_api.bad("Invalid value for 'limit'")
        body = {self.plural.replace('-', '_'):
                [view.select_fields(i, params) for i in items]}
        if links:
            body[self.plural.replace('-', '_') + '_links'] = links
        return body

    @index.when(method='POST', template='json')
    @neutron_errors
    def index_post(self):
        ctx = request_env.context()
        body = _body()
        if isinstance(body.get(self.singular.replace('-', '_') + 's'),
                      list):
            raise network_api.Error(400, 'HTTPBadRequest',
                                    'Bulk create is not supported.')
        item = self.create(ctx, body)
        request_env.set_status(201)
        return {self.singular: self.shown(ctx, item)}

    @pecan.expose()
    def _lookup(self, ident, *remainder):
        if remainder:
            return Missing(), ()
        return Item(self, ident), ()


class Item:

    def __init__(self, collection, ident):
        self.collection = collection
        self.ident = ident

    @pecan.expose(generic=True, template='json')
    @neutron_errors
    def index(self):
        request_env.only_get()
        c = self.collection
        ctx = request_env.context()
        item = c.shown(ctx, c.visible(ctx, self.ident))
        return {c.singular: view.select_fields(item, request_env.params())}

    @index.when(method='PUT', template='json')
    @neutron_errors
    def index_put(self):
        c = self.collection
        ctx = request_env.context()
        if not c.updatable:
            # Neutron checks the body before the lookup and the policy:
            # every attribute of these is read-only.
            _read_only(c.singular, _body())
        item = c.visible(ctx, self.ident)
        c.authorize(ctx, 'update_' + c.rule, _target(item))
        return {c.singular: c.shown(ctx, c.update(ctx, item, _body()))}

    @index.when(method='DELETE', template='json')
    @neutron_errors
    def index_delete(self):
        c = self.collection
        ctx = request_env.context()
        item = c.visible(ctx, self.ident)
        c.authorize(ctx, 'delete_' + c.rule, _target(item))
        c.destroy(ctx, item)
        return webob.Response(status=204, content_type=None)


def _project(ctx, values):
    return values.pop('project_id', None) or ctx.project_id


class NetworksController(Collection):
    singular, plural, kind, rule = 'network', 'networks', 'Network', 'network'

    def fetch_all(self, ctx):
        return network_api.list_networks(ctx)

    def fetch(self, ctx, ident):
        return network_api.get_network(ctx, ident)

    def create(self, ctx, body):
        values = schema.check(body, 'network', schema.NETWORK_CREATE)
        project = _project(ctx, values)
        self.authorize(ctx, 'create_network', {'project_id': project})
        if values.get('shared'):
            self.authorize(ctx, 'create_network:shared',
                           {'project_id': project})
        values['project_id'] = project
        return network_api.create_network(ctx, values)

    def update(self, ctx, item, body):
        values = schema.check(body, 'network', schema.NETWORK_UPDATE)
        if 'shared' in values:
            # Neutron's: checked whenever the body sets it, even to the
            # value it has.
            self.authorize(ctx, 'update_network:shared', _target(item))
        return network_api.update_network(ctx, item['id'], values)

    def destroy(self, ctx, item):
        network_api.delete_network(ctx, item['id'])


class SubnetsController(Collection):
    singular, plural, kind, rule = 'subnet', 'subnets', 'Subnet', 'subnet'

    def _with_shared(self, ctx, subnets):
        shared = {n['id']: n['shared']
                  for n in network_api.list_networks(ctx)}
        return [dict(s, shared=shared.get(s['network_id'], False))
                for s in subnets]

    def shown(self, ctx, item):
        return {k: v for k, v in item.items() if k != 'shared'}

    def fetch_all(self, ctx):
        return self._with_shared(ctx, network_api.list_subnets(ctx))

    def fetch(self, ctx, ident):
        return self._with_shared(ctx, [network_api.get_subnet(ctx, ident)])[0]

    def create(self, ctx, body):
        values = schema.check(body, 'subnet', schema.SUBNET_CREATE,
                              required=('network_id', 'cidr', 'ip_version'))
        net = network_api.get_network(ctx, values.pop('network_id'))
        cidr = values.pop('cidr')
        if values.pop('ip_version') != cidr.version:
            raise network_api.bad('Cidr %s does not match IP version %d.'
                                  % (cidr, 10 - cidr.version))
        if cidr.num_addresses < (4 if cidr.version == 4 else 2):
            raise network_api.bad('Requested subnet %s is too small.' % cidr)
        project = values.get('project_id') or net['project_id'] or \
            ctx.project_id
        self.authorize(ctx, 'create_subnet', {'project_id': project})
        defaults = network_api.subnet_defaults(cidr)
        if 'gateway_ip' not in values:
            values['gateway_ip'] = defaults['gateway_ip']
        elif values['gateway_ip'] is not None and \
                ipaddress.ip_address(values['gateway_ip']) not in cidr:
            raise network_api.bad('Gateway is not valid on subnet.')
        values['allocation_pools'] = defaults['allocation_pools']
        return network_api.create_subnet(ctx, net['id'], cidr, values)

    def update(self, ctx, item, body):
        values = schema.check(body, 'subnet', schema.SUBNET_UPDATE)
        return network_api.update_subnet(ctx, item['id'], values)

    def destroy(self, ctx, item):
        network_api.delete_subnet(ctx, item['id'])


class PortsController(Collection):
    singular, plural, kind, rule = 'port', 'ports', 'Port', 'port'

    def shown(self, ctx, item):
        if policy.check(self.conf, ctx, 'get_port:binding:host_id',
                        _target(item)):
            return item
        return {k: v for k, v in item.items() if k != 'binding:host_id'}

    def fetch_all(self, ctx):
        return network_api.list_ports(ctx)

    def fetch(self, ctx, ident):
        return network_api.get_port(ctx, ident)

    def create(self, ctx, body):
        values = schema.check(body, 'port', schema.PORT_CREATE,
                              required=('network_id',))
        values.pop('description', None)
        project = _project(ctx, values)
        network_api.get_network(ctx, values['network_id'])
        self.authorize(ctx, 'create_port', {'project_id': project})
        values['project_id'] = project
        values['fixed_ip'] = values.pop('fixed_ips', None)
        default = None
        if values.get('security_groups') is None:
            default = secgroup_rules.ensure_default(ctx, project)
        return network_api.create_port(ctx, values, default)

    def update(self, ctx, item, body):
        values = schema.check(body, 'port', schema.PORT_UPDATE)
        values.pop('description', None)
        port = network_api.update_port(ctx, item['id'], values)
        if 'security_groups' in values and port['device_id']:
            secgroup_refresh.instances_changed(
                self.conf, ctx, [port['device_id']],
                old_groups=item['security_groups'])
        return port

    def destroy(self, ctx, item):
        network_api.delete_port(ctx, item['id'])


class SecurityGroupsController(Collection):
    singular, plural = 'security_group', 'security-groups'
    kind, rule = 'SecurityGroup', 'security_group'

    def fetch_all(self, ctx):
        if ctx.project_id:
            secgroup_rules.ensure_default(ctx, ctx.project_id)
        return secgroup_rules.list_groups(ctx)

    def fetch(self, ctx, ident):
        return secgroup_rules.get_group(ctx, ident)

    def create(self, ctx, body):
        values = schema.check(body, 'security_group', schema.GROUP_CREATE)
        project = _project(ctx, values)
        self.authorize(ctx, 'create_security_group', {'project_id': project})
        if values.get('stateful') is False:
            raise network_api.bad('Stateless security groups are not '
                                  'supported.')
        if values.get('name') == secgroup_rules.DEFAULT:
            raise network_api.Error(409, 'SecurityGroupDefaultAlreadyExists',
                                    'Default security group already '
                                    'exists.')
        return secgroup_rules.create_group(
            ctx, values.get('name', ''), values.get('description', ''),
            project)

    def update(self, ctx, item, body):
        values = schema.check(body, 'security_group', schema.GROUP_UPDATE)
        return secgroup_rules.update_group(ctx, item['id'], values)

    def destroy(self, ctx, item):
        secgroup_rules.delete_group(ctx, item['id'])


class SecurityGroupRulesController(Collection):
    singular, plural = 'security_group_rule', 'security-group-rules'
    kind, rule = 'SecurityGroupRule', 'security_group_rule'
    updatable = False

    def fetch_all(self, ctx):
        return secgroup_rules.list_rules(ctx)

    def fetch(self, ctx, ident):
        return secgroup_rules.get_rule(ctx, ident)

    def create(self, ctx, body):
        values = schema.check(body, 'security_group_rule',
                              schema.RULE_CREATE,
                              required=('security_group_id', 'direction'))
        values = schema.check_rule(values)
        group = secgroup_rules.get_group(ctx, values.pop('security_group_id'))
        values.pop('project_id', None)
        self.authorize(ctx, 'create_security_group_rule', _target(group))
        rule = secgroup_rules.create_rule(ctx, group['id'], values)
        secgroup_refresh.groups_changed(self.conf, ctx, [group['id']])
        return rule

    def destroy(self, ctx, item):
        secgroup_rules.delete_rule(ctx, item['id'])
        secgroup_refresh.groups_changed(self.conf, ctx,
                                        [item['security_group_id']])
