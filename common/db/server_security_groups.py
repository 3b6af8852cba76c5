"""The security groups of one server, for GET /servers/{id}/os-security-groups
and the addSecurityGroup / removeSecurityGroup actions.

A server's groups are names in ``instances.security_groups``, resolved in
the server's project (common/db/network_info.py reads them the same way;
an empty list means the project's ``default``). A port made through the
network API carries groups of its own (``port_security_groups``): as Nova
updates every port of the server in Neutron, adding or removing a group
changes those ports too."""

from sqlalchemy import delete, or_, select

from novalite.common.db import models
from novalite.common.db import secgroup_rules
from novalite.common.db import session
from novalite.common import exception

_SG = models.SecurityGroup


class SecurityGroupNotFound(exception.NotFound):
    msg_fmt = 'Security group %(name)s is not found for project %(project)s'


class SecurityGroupNotAssociated(exception.NotFound):
    msg_fmt = ('Security group %(name)s not associated with the instance '
               '%(instance)s')


class LastSecurityGroup(exception.Invalid):
    msg_fmt = ('Security group %(name)s is the last security group of the '
               'instance %(instance)s and cannot be removed: a server without '
               'groups is in its project\'s default group here.')


def _names(row):
    return list(row.security_groups or [secgroup_rules.DEFAULT])


def _names_of(inst):
    return list(inst['security_groups'] or [secgroup_rules.DEFAULT])


def _find(s, project_id, name_or_id):
    """The project's group whose id, else whose name, is ``name_or_id``
    (Neutron's find by name or id)."""
    rows = s.execute(select(_SG).where(
        _SG.project_id == project_id,
        or_(_SG.uuid == name_or_id, _SG.name == name_or_id))).scalars().all()
    for row in rows:
        if row.uuid == name_or_id:
            return row
    if rows:
        return rows[0]
    raise SecurityGroupNotFound(name=name_or_id, project=project_id)


def _own_port_ids(s, instance_uuid):
    """The server's ports made through the network API (groups of their
    own)."""
    return list(s.execute(select(models.Port.id).where(
        models.Port.instance_uuid == instance_uuid,
        models.Port.project_id.is_not(None))).scalars())


def _groups(s, project_id, names, port_ids):
    """The group rows of ``names`` in the project and of the ports."""
    rows = {}
    if names:
        for row in s.execute(select(_SG).where(
                _SG.project_id == project_id,
                _SG.name.in_(list(names)))).scalars():
            rows[row.id] = row
    if port_ids:
        for row in s.execute(select(_SG).join(
                models.PortSecurityGroup,
                models.PortSecurityGroup.security_group_id == _SG.id).where(
                models.PortSecurityGroup.port_id.in_(port_ids))).scalars():
            rows[row.id] = row
    return list(rows.values())


def _live_for_update(s, instance_uuid):
    row = s.execute(select(models.Instance).filter_by(
        uuid=instance_uuid, deleted=0).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


def change(ctx, inst, name_or_id, add):
    """Add (``add``) or remove the group ``name_or_id`` (a name or id in
    the server's project) to or from server ``inst``, in one transaction
    that holds the instance row. Adding a group the server is in already
    changes nothing (Neutron keeps a port's groups a set).

    :returns: the uuids of the groups the server was in before
    :raises: SecurityGroupNotFound, SecurityGroupNotAssociated,
        LastSecurityGroup, InstanceNotFound
    """
    if inst['project_id'] and secgroup_rules.DEFAULT in (
            [name_or_id] + _names_of(inst)):
        # The project's own default group is made on first use.
        secgroup_rules.ensure_default(ctx, inst['project_id'])
    return _change(ctx, inst['uuid'], name_or_id, add)


@session.retry
def _change(ctx, instance_uuid, name_or_id, add):
    with session.writer(ctx) as s:
        row = _live_for_update(s, instance_uuid)
        group = _find(s, row.project_id, name_or_id)
        names = _names(row)
        port_ids = _own_port_ids(s, instance_uuid)
        old = sorted(g.uuid for g in _groups(s, row.project_id, names,
                                              port_ids))
        on_ports = set(s.execute(select(
            models.PortSecurityGroup.port_id).where(
            models.PortSecurityGroup.port_id.in_(port_ids),
            models.PortSecurityGroup.security_group_id == group.id)
        ).scalars()) if port_ids else set()
        if add:
            if group.name not in names:
                row.security_groups = names + [group.name]
            for port_id in port_ids:
                if port_id not in on_ports:
                    s.add(models.PortSecurityGroup(
                        port_id=port_id, security_group_id=group.id))
        else:
            if group.name not in names and not on_ports:
                raise SecurityGroupNotAssociated(name=name_or_id,
                                                 instance=instance_uuid)
            left = [n for n in names if n != group.name]
            if not left:
                raise LastSecurityGroup(name=name_or_id,
                                        instance=instance_uuid)
            row.security_groups = left
            if on_ports:
                s.execute(delete(models.PortSecurityGroup).where(
                    models.PortSecurityGroup.port_id.in_(list(on_ports)),
                    models.PortSecurityGroup.security_group_id == group.id))
        s.flush()
        return old


def _rule(rule, group_uuid, remote):
    """A Neutron ingress rule in Nova's os-security-groups format."""
    start, end = rule.port_range_min, rule.port_range_max
    if rule.protocol and start is None and end is None:
        start, end = ((1, 65535) if rule.protocol.upper() in ('TCP', 'UDP')
                      else (-1, -1))
    body = {'id': rule.uuid, 'parent_group_id': group_uuid,
            'ip_protocol': rule.protocol, 'from_port': start,
            'to_port': end, 'group': {}, 'ip_range': {}}
    if rule.remote_group_id:
        source = remote.get(rule.remote_group_id)
        if source is None:
            return None      # the group went away meanwhile (as Nova)
        body['group'] = {'name': source.name,
                         'tenant_id': source.project_id or ''}
    else:
        body['ip_range'] = {'cidr': rule.remote_ip_prefix or '0.0.0.0/0'}
    return body


def list_for_instance(ctx, inst):
    """The server's groups as Nova's os-security-groups shows them (ingress
    rules only), sorted by (tenant_id, name)."""
    if inst['project_id'] and secgroup_rules.DEFAULT in _names_of(inst):
        secgroup_rules.ensure_default(ctx, inst['project_id'])
    with session.reader(ctx) as s:
        groups = _groups(s, inst['project_id'], _names_of(inst),
                         _own_port_ids(s, inst['uuid']))
        rules = {g.id: [] for g in groups}
        if rules:
            for rule in s.execute(select(models.SecurityGroupRule).where(
                    models.SecurityGroupRule.security_group_id.in_(
                        list(rules)),
                    models.SecurityGroupRule.direction == 'ingress')
                    .order_by(models.SecurityGroupRule.id)).scalars():
                rules[rule.security_group_id].append(rule)
        wanted = {r.remote_group_id for rs in rules.values() for r in rs
                  if r.remote_group_id}
        remote = {}
        if wanted:
            remote = {g.uuid: g for g in s.execute(select(_SG).where(
                _SG.uuid.in_(list(wanted)))).scalars()}
        result = []
        for group in groups:
            formatted = [_rule(r, group.uuid, remote) for r in rules[group.id]]
            result.append({
                'id': group.uuid, 'name': group.name,
                'description': group.description or '',
                'tenant_id': group.project_id or '',
                'rules': [r for r in formatted if r is not None]})
    return sorted(result, key=lambda g: (g['tenant_id'], g['name']))
