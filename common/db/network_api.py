"""Networks, subnets and ports as the Neutron-shaped network API sees them
(``api/controllers/network``). Rows are the compute API's own (networks,
ports) plus subnets; every function returns Neutron-shaped dicts.

Visibility: a network is the caller's if its project is theirs, or shared
(``shared`` set or no project at all); a subnet follows its network; a port
belongs to its own project or, for a port a server made, to the server's
project. Admins see everything. What the caller may not see is a 404.
"""

import ipaddress
import uuid

from sqlalchemy import delete, func, or_, select

from novalite.common.db import models
from novalite.common.db import networks as networks_db
from novalite.common.db import session


class Error(Exception):
    """A Neutron fault: HTTP ``code``, NeutronError ``type``, message."""

    def __init__(self, code, type_, message):
        super().__init__(message)
        self.code = code
        self.type = type_
        self.message = message


def not_found(kind, ident):
    messages = {
        'Network': 'Network %s could not be found.',
        'Subnet': 'Subnet %s could not be found.',
        'Port': 'Port %s could not be found.',
        'SecurityGroup': 'Security group %s does not exist',
        'SecurityGroupRule': 'Security group rule %s does not exist',
    }
    return Error(404, kind + 'NotFound', messages[kind] % ident)


def bad(message):
    return Error(400, 'InvalidInput',
                 'Invalid input for operation: %s' % message)


def timestamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def _project(value):
    return value or ''


# -- networks ---------------------------------------------------------------

def _net_visible(query, ctx):
    if ctx.is_admin:
        return query
    return query.where(or_(models.Network.project_id.is_(None),
                           models.Network.shared.is_(True),
                           models.Network.project_id == ctx.project_id))


def _net_dict(net, subnet_uuids):
    return {
        'id': net.uuid, 'name': net.name,
        'tenant_id': _project(net.project_id),
        'project_id': _project(net.project_id),
        'status': 'ACTIVE', 'admin_state_up': bool(net.admin_state_up),
        'shared': bool(net.shared) or net.project_id is None,
        'subnets': subnet_uuids, 'description': net.description or '',
        'created_at': timestamp(net.created_at),
        'updated_at': timestamp(net.updated_at or net.created_at),
    }


def _net_row(s, ctx, network_id):
    row = s.execute(_net_visible(select(models.Network).filter_by(
        uuid=network_id), ctx)).scalar_one_or_none()
    if row is None:
        raise not_found('Network', network_id)
    return row


def _owned(ctx, project_id):
    return ctx.is_admin or (project_id is not None
                            and project_id == ctx.project_id)


def _subnet_uuids(s, net_ids):
    result = {i: [] for i in net_ids}
    if net_ids:
        for net_id, sub_uuid in s.execute(
                select(models.Subnet.network_id, models.Subnet.uuid)
                .where(models.Subnet.network_id.in_(list(net_ids)))
                .order_by(models.Subnet.id)):
            result[net_id].append(sub_uuid)
    return result


def list_networks(ctx):
    with session.reader(ctx) as s:
        rows = list(s.execute(_net_visible(select(models.Network), ctx)
                              .order_by(models.Network.id)).scalars())
        subs = _subnet_uuids(s, [r.id for r in rows])
        return [_net_dict(r, subs[r.id]) for r in rows]


def get_network(ctx, network_id):
    with session.reader(ctx) as s:
        row = _net_row(s, ctx, network_id)
        return _net_dict(row, _subnet_uuids(s, [row.id])[row.id])


@session.retry
def create_network(ctx, values):
    with session.writer(ctx) as s:
        row = models.Network(
            uuid=str(uuid.uuid4()), name=values.get('name', ''), cidr='',
            project_id=values.get('project_id') or ctx.project_id,
            shared=values.get('shared', False),
            admin_state_up=values.get('admin_state_up', True),
            description=values.get('description', ''))
        s.add(row)
        s.flush()
        return _net_dict(row, [])


@session.retry
def update_network(ctx, network_id, values):
    with session.writer(ctx) as s:
        row = _net_row(s, ctx, network_id)
        if not _owned(ctx, row.project_id):
            raise not_found('Network', network_id)
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        return _net_dict(row, _subnet_uuids(s, [row.id])[row.id])


@session.retry
def delete_network(ctx, network_id):
    with session.writer(ctx) as s:
        row = _net_row(s, ctx, network_id)
        if not _owned(ctx, row.project_id):
            raise not_found('Network', network_id)
        used = s.execute(select(func.count(models.Port.id)).filter_by(
            network_id=row.id)).scalar()
        if used:
            raise Error(409, 'NetworkInUse',
                        'Unable to complete operation on network %s. There '
                        'are one or more ports still in use on the network.'
                        % network_id)
        s.execute(delete(models.Subnet).filter_by(network_id=row.id))
        s.delete(row)


# -- subnets ----------------------------------------------------------------

def subnet_defaults(net):
    """Gateway and allocation pool Neutron picks for ``net`` (an
    ipaddress network): the first host is the gateway, the rest the pool."""
    first = net.network_address + 1
    last = net.broadcast_address - (1 if net.version == 4 else 0)
    return {'gateway_ip': str(first),
            'allocation_pools': [{'start': str(first + 1),
                                  'end': str(last)}]}


def _subnet_dict(sub, net_uuid):
    return {
        'id': sub.uuid, 'name': sub.name, 'network_id': net_uuid,
        'tenant_id': _project(sub.project_id),
        'project_id': _project(sub.project_id),
        'cidr': sub.cidr, 'ip_version': sub.ip_version,
        'gateway_ip': sub.gateway_ip, 'enable_dhcp': bool(sub.enable_dhcp),
        'dns_nameservers': list(sub.dns_nameservers or []),
        'allocation_pools': list(sub.allocation_pools or []),
        'host_routes': [], 'ipv6_ra_mode': None, 'ipv6_address_mode': None,
        'subnetpool_id': None, 'description': sub.description or '',
        'service_types': [],
        'created_at': timestamp(sub.created_at),
        'updated_at': timestamp(sub.updated_at or sub.created_at),
    }


def _subnets_query(ctx):
    return _net_visible(select(models.Subnet, models.Network.uuid).join(
        models.Network, models.Subnet.network_id == models.Network.id), ctx)


def list_subnets(ctx):
    with session.reader(ctx) as s:
        return [_subnet_dict(sub, net_uuid) for sub, net_uuid in s.execute(
            _subnets_query(ctx).order_by(models.Subnet.id))]


def _subnet_row(s, ctx, subnet_id):
    found = s.execute(_subnets_query(ctx).where(
        models.Subnet.uuid == subnet_id)).first()
    if found is None:
        raise not_found('Subnet', subnet_id)
    return found


def get_subnet(ctx, subnet_id):
    with session.reader(ctx) as s:
        sub, net_uuid = _subnet_row(s, ctx, subnet_id)
        return _subnet_dict(sub, net_uuid)


@session.retry
def create_subnet(ctx, network_id, cidr, values):
    """``cidr`` is an ipaddress network; ``values`` the other attributes."""
    with session.writer(ctx) as s:
        net = _net_row(s, ctx, network_id)
        if not _owned(ctx, net.project_id):
            raise Error(403, 'HTTPForbidden', 'Tenant %s not allowed to '
                        'create subnet on this network' % ctx.project_id)
        for other in s.execute(select(models.Subnet).filter_by(
                network_id=net.id)).scalars():
            if ipaddress.ip_network(other.cidr).overlaps(cidr):
                raise bad('Requested subnet with cidr: %s for network: %s '
                          'overlaps with another subnet.'
                          % (cidr, network_id))
        sub = models.Subnet(
            uuid=str(uuid.uuid4()), network_id=net.id,
            project_id=values.pop('project_id', None) or net.project_id
            or ctx.project_id,
            cidr=str(cidr), ip_version=cidr.version, **values)
        s.add(sub)
        if not net.cidr and cidr.version == 4:
            net.cidr = str(cidr)    # where the compute API allocates
        s.flush()
        return _subnet_dict(sub, net.uuid)


@session.retry
def update_subnet(ctx, subnet_id, values):
    with session.writer(ctx) as s:
        sub, net_uuid = _subnet_row(s, ctx, subnet_id)
        if not _owned(ctx, sub.project_id):
            raise not_found('Subnet', subnet_id)
        for key, value in values.items():
            setattr(sub, key, value)
        s.flush()
        return _subnet_dict(sub, net_uuid)


def _in_subnet(address, cidr):
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)
    except ValueError:
        return False


@session.retry
def delete_subnet(ctx, subnet_id):
    with session.writer(ctx) as s:
        sub, _net_uuid = _subnet_row(s, ctx, subnet_id)
        if not _owned(ctx, sub.project_id):
            raise not_found('Subnet', subnet_id)
        addresses = s.execute(select(models.Port.address).filter_by(
            network_id=sub.network_id)).scalars()
        if any(a and _in_subnet(a, sub.cidr) for a in addresses):
            raise Error(409, 'SubnetInUse',
                        'Unable to complete operation on subnet %s: One or '
                        'more ports have an IP allocation from this subnet.'
                        % subnet_id)
        net = s.get(models.Network, sub.network_id)
        s.delete(sub)
        s.flush()
        if net.cidr == sub.cidr:
            rest = s.execute(select(models.Subnet.cidr).filter_by(
                network_id=net.id, ip_version=4).order_by(
                models.Subnet.id)).scalars().first()
            net.cidr = rest or ''


# -- ports ------------------------------------------------------------------

_PORT_PROJECT = func.coalesce(models.Port.project_id,
                              models.Instance.project_id)


def _ports_query(ctx):
    query = (select(models.Port, models.Network, models.Instance.host,
                    _PORT_PROJECT, models.Instance.security_groups)
             .join(models.Network, models.Port.network_id == models.Network.id)
             .outerjoin(models.Instance,
                        models.Instance.uuid == models.Port.instance_uuid))
    if not ctx.is_admin:
        query = query.where(_PORT_PROJECT == ctx.project_id)
    return query


def _port_dicts(s, rows):
    if not rows:
        return []
    port_ids = [r[0].id for r in rows]
    groups = {i: [] for i in port_ids}
    for port_id, sg_uuid in s.execute(
            select(models.PortSecurityGroup.port_id, models.SecurityGroup.uuid)
            .join(models.SecurityGroup, models.SecurityGroup.id
                  == models.PortSecurityGroup.security_group_id)
            .where(models.PortSecurityGroup.port_id.in_(port_ids))):
        groups[port_id].append(sg_uuid)
    by_name = _groups_by_name(s, {r[3] for r in rows if r[0].project_id
                                  is None and r[0].instance_uuid})
    subnets = {}
    for net_id in {r[1].id for r in rows}:
        subnets[net_id] = list(s.execute(select(
            models.Subnet.uuid, models.Subnet.cidr).filter_by(
            network_id=net_id).order_by(models.Subnet.id)))
    result = []
    for port, net, host, project, server_groups in rows:
        if port.project_id is None and port.instance_uuid:
            # A port a boot made: its server's groups, by name.
            groups[port.id] = [by_name[project, n] for n in
                               server_groups or [] if (project, n) in by_name]
        fixed = []
        if port.address:
            subnet_id = next((u for u, c in subnets[net.id]
                              if _in_subnet(port.address, c)), None)
            fixed.append({'subnet_id': subnet_id,
                          'ip_address': port.address})
        owner = port.device_owner
        if owner is None:
            owner = 'compute:nova' if port.instance_uuid else ''
        bound = bool(port.instance_uuid and host)
        result.append({
            'id': port.uuid, 'name': port.name or '',
            'network_id': net.uuid, 'tenant_id': _project(project),
            'project_id': _project(project),
            'mac_address': port.mac_address,
            'admin_state_up': bool(port.admin_state_up),
            'status': 'ACTIVE' if bound else 'DOWN',
            'device_id': port.instance_uuid or '', 'device_owner': owner,
            'fixed_ips': fixed, 'security_groups': groups[port.id],
            'allowed_address_pairs': [], 'description': '',
            'binding:host_id': host or '' if port.instance_uuid else '',
            'binding:vif_type': 'bridge' if bound else 'unbound',
            'binding:vnic_type': 'normal', 'binding:profile': {},
            'binding:vif_details': {},
            'created_at': timestamp(port.created_at),
            'updated_at': timestamp(port.created_at),
        })
    return result


def _groups_by_name(s, projects):
    """{(project, group name): group uuid} of the given projects."""
    projects = [p for p in projects if p]
    if not projects:
        return {}
    return {(project, name): group_uuid for project, name, group_uuid in
            s.execute(select(models.SecurityGroup.project_id,
                             models.SecurityGroup.name,
                             models.SecurityGroup.uuid).where(
                models.SecurityGroup.project_id.in_(projects)))}


def list_ports(ctx):
    with session.reader(ctx) as s:
        rows = s.execute(_ports_query(ctx).order_by(models.Port.id)).all()
        return _port_dicts(s, rows)


def _port_row(s, ctx, port_id):
    row = s.execute(_ports_query(ctx).where(
        models.Port.uuid == port_id)).first()
    if row is None:
        raise not_found('Port', port_id)
    return row


def get_port(ctx, port_id):
    with session.reader(ctx) as s:
        return _port_dicts(s, [_port_row(s, ctx, port_id)])[0]


def _pick_address(s, net, subnet_id, ip_address):
    """(address or None) for a new port on ``net``."""
    subs = list(s.execute(select(models.Subnet).filter_by(
        network_id=net.id).order_by(models.Subnet.id)).scalars())
    if subnet_id is not None:
        subs = [x for x in subs if x.uuid == subnet_id]
        if not subs:
            raise not_found('Subnet', subnet_id)
    elif ip_address is not None:
        subs = [x for x in subs if _in_subnet(ip_address, x.cidr)]
        if not subs:
            raise bad('IP address %s is not a valid IP for any subnet on '
                      'network %s.' % (ip_address, net.uuid))
    if not subs:
        return None
    used = set(s.execute(select(models.Port.address).filter_by(
        network_id=net.id)).scalars())
    sub = subs[0]
    if ip_address is not None:
        addr = ipaddress.ip_address(ip_address)
        cidr = ipaddress.ip_network(sub.cidr)
        if addr not in cidr or addr in (cidr.network_address,
                                        cidr.broadcast_address) \
                or ip_address == sub.gateway_ip:
            raise Error(400, 'InvalidIpForSubnet',
                        'IP address %s is not a valid IP for the specified '
                        'subnet.' % ip_address)
        if ip_address in used:
            raise Error(409, 'IpAddressAlreadyAllocated',
                        'IP address %s already allocated in subnet %s'
                        % (ip_address, sub.uuid))
        return ip_address
    for address in networks_db._free_addresses(sub.cidr, used):
        if address != sub.gateway_ip:
            return address
    raise Error(409, 'IpAddressGenerationFailure',
                'No more IP addresses available on network %s.' % net.uuid)


def _group_ids(s, ctx, project_id, group_uuids):
    rows = {g.uuid: g for g in s.execute(select(models.SecurityGroup).where(
        models.SecurityGroup.uuid.in_(list(group_uuids)))).scalars()}
    ids = []
    for group_uuid in group_uuids:
        row = rows.get(group_uuid)
        if row is None or row.project_id is None or (
                row.project_id != project_id and not ctx.is_admin):
            raise not_found('SecurityGroup', group_uuid)
        ids.append(row.id)
    return ids


def create_port(ctx, values, default_group):
    """``values``: network_id and the optional name, fixed_ips (one),
    mac_address, device_id, device_owner, admin_state_up, project_id,
    security_groups (uuids; None: ``default_group``, the project's)."""
    for attempt in range(10):
        try:
            return _create_port(ctx, values, default_group)
        except session.DBDuplicateEntry:
            if attempt == 9 or values.get('fixed_ip') or \
                    values.get('mac_address'):
                raise Error(409, 'MacAddressInUse'
                            if values.get('mac_address') and not
                            values.get('fixed_ip') else
                            'IpAddressAlreadyAllocated',
                            'The address requested is already in use.')


@session.retry
def _create_port(ctx, values, default_group):
    with session.writer(ctx) as s:
        net = _net_row(s, ctx, values['network_id'])
        project_id = values.get('project_id') or ctx.project_id
        fixed = values.get('fixed_ip') or {}
        address = _pick_address(s, net, fixed.get('subnet_id'),
                                fixed.get('ip_address'))
        mac = values.get('mac_address') or networks_db._mac()
        if s.execute(select(models.Port.id).filter_by(
                network_id=net.id, mac_address=mac)).first():
            raise Error(409, 'MacAddressInUse',
                        'Unable to complete operation for network %s. The '
                        'mac address %s is in use.' % (net.uuid, mac))
        groups = values.get('security_groups')
        if groups is None:
            groups = [default_group] if default_group else []
        group_ids = _group_ids(s, ctx, project_id, groups)
        port = models.Port(
            uuid=str(uuid.uuid4()), network_id=net.id,
            instance_uuid=values.get('device_id') or None, address=address,
            mac_address=mac, project_id=project_id,
            name=values.get('name', ''),
            device_owner=values.get('device_owner', ''),
            admin_state_up=values.get('admin_state_up', True))
        s.add(port)
        s.flush()
        for group_id in group_ids:
            s.add(models.PortSecurityGroup(port_id=port.id,
                                           security_group_id=group_id))
        s.flush()
        return _port_dicts(s, [_port_row(s, ctx, port.uuid)])[0]


@session.retry
def update_port(ctx, port_id, values):
    """name, admin_state_up, security_groups (uuids)."""
    with session.writer(ctx) as s:
        port, _net, _host, project, _groups = _port_row(s, ctx, port_id)
        groups = values.pop('security_groups', None)
        for key, value in values.items():
            setattr(port, key, value)
        if groups is not None:
            group_ids = _group_ids(s, ctx, project, groups)
            s.execute(delete(models.PortSecurityGroup).filter_by(
                port_id=port.id))
            for group_id in group_ids:
                s.add(models.PortSecurityGroup(port_id=port.id,
                                               security_group_id=group_id))
        s.flush()
        return _port_dicts(s, [_port_row(s, ctx, port.uuid)])[0]


@session.retry
def delete_port(ctx, port_id):
    with session.writer(ctx) as s:
        port, net, _host, _project, _groups = _port_row(s, ctx, port_id)
        live = port.instance_uuid and s.execute(
            select(models.Instance.id).filter_by(
                uuid=port.instance_uuid, deleted=0)).first()
        if live:
            raise Error(409, 'PortInUse',
                        'Unable to complete operation on port %s for '
                        'network %s. Port already has an attached device '
                        '%s.' % (port.uuid, net.uuid, port.instance_uuid))
        s.execute(delete(models.PortSecurityGroup).filter_by(
            port_id=port.id))
        s.delete(port)
