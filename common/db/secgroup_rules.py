"""Security groups and their rules as the Neutron-shaped network API sees
them. A group is its project's (admins see all); groups without a project
(the compute API's legacy shared ``default``) are not shown here. Each
project gets its own ``default`` group with Neutron's default rules the
first time it asks for groups or makes a port."""

import uuid

from sqlalchemy import delete, func, select

from novalite.common.db import models
from novalite.common.db import network_api
from novalite.common.db import session

DEFAULT = 'default'
RULE_FIELDS = ('direction', 'ethertype', 'protocol', 'port_range_min',
               'port_range_max', 'remote_ip_prefix', 'remote_group_id')


def _visible(query, ctx):
    query = query.where(models.SecurityGroup.project_id.is_not(None))
    if ctx.is_admin:
        return query
    return query.where(models.SecurityGroup.project_id == ctx.project_id)


def _rule_dict(rule, group_uuid):
    body = {k: getattr(rule, k) for k in RULE_FIELDS}
    body.update({
        'id': rule.uuid, 'security_group_id': group_uuid,
        'tenant_id': rule.project_id or '',
        'project_id': rule.project_id or '',
        'description': rule.description or '',
        'created_at': network_api.timestamp(rule.created_at),
        'updated_at': network_api.timestamp(rule.created_at),
    })
    return body


def _group_dicts(s, groups):
    rules = {g.id: [] for g in groups}
    if groups:
        for rule in s.execute(select(models.SecurityGroupRule).where(
                models.SecurityGroupRule.security_group_id.in_(list(rules)))
                .order_by(models.SecurityGroupRule.id)).scalars():
            rules[rule.security_group_id].append(rule)
    return [{
        'id': g.uuid, 'name': g.name, 'description': g.description or '',
        'tenant_id': g.project_id, 'project_id': g.project_id,
        'security_group_rules': [_rule_dict(r, g.uuid) for r in rules[g.id]],
        'stateful': True, 'shared': False,
    } for g in groups]


@session.retry_on_duplicate
@session.retry
def ensure_default(ctx, project_id):
    """The uuid of ``project_id``'s ``default`` group, made if missing."""
    with session.writer(ctx) as s:
        row = s.execute(select(models.SecurityGroup).filter_by(
            name=DEFAULT, project_id=project_id)).scalar_one_or_none()
        if row is not None:
            return row.uuid
        row = models.SecurityGroup(uuid=str(uuid.uuid4()), name=DEFAULT,
                                   description='Default security group',
                                   project_id=project_id)
        s.add(row)
        s.flush()
        for direction, ethertype, remote in (
                ('egress', 'IPv4', None), ('egress', 'IPv6', None),
                ('ingress', 'IPv4', row.uuid), ('ingress', 'IPv6', row.uuid)):
            s.add(models.SecurityGroupRule(
                uuid=str(uuid.uuid4()), security_group_id=row.id,
                project_id=project_id, direction=direction,
                ethertype=ethertype, remote_group_id=remote, description=''))
        s.flush()
        return row.uuid


def list_groups(ctx):
    with session.reader(ctx) as s:
        groups = list(s.execute(_visible(select(models.SecurityGroup), ctx)
                                .order_by(models.SecurityGroup.id)).scalars())
        return _group_dicts(s, groups)


def _group_row(s, ctx, group_id):
    row = s.execute(_visible(select(models.SecurityGroup).filter_by(
        uuid=group_id), ctx)).scalar_one_or_none()
    if row is None:
        raise network_api.not_found('SecurityGroup', group_id)
    return row


def get_group(ctx, group_id):
    with session.reader(ctx) as s:
        return _group_dicts(s, [_group_row(s, ctx, group_id)])[0]


@session.retry
def create_group(ctx, name, description, project_id):
    with session.writer(ctx) as s:
        if s.execute(select(models.SecurityGroup.id).filter_by(
                name=name, project_id=project_id)).first():
            # The table keeps names unique per project (the compute API
            # looks groups up by name).
            raise network_api.Error(
                409, 'SecurityGroupConflict',
                'Security group %s already exists in project %s.'
                % (name, project_id))
        row = models.SecurityGroup(uuid=str(uuid.uuid4()), name=name,
                                   description=description,
                                   project_id=project_id)
        s.add(row)
        s.flush()
        for ethertype in ('IPv4', 'IPv6'):
            s.add(models.SecurityGroupRule(
                uuid=str(uuid.uuid4()), security_group_id=row.id,
                project_id=project_id, direction='egress',
                ethertype=ethertype, description=''))
        s.flush()
        return _group_dicts(s, [row])[0]


@session.retry
def update_group(ctx, group_id, values):
    with session.writer(ctx) as s:
        row = _group_row(s, ctx, group_id)
        if row.name == DEFAULT and values.get('name', DEFAULT) != DEFAULT:
            raise network_api.Error(
                409, 'SecurityGroupCannotUpdateDefault',
                'Updating default security group not allowed.')
        if values.get('name') not in (None, row.name) and s.execute(
                select(models.SecurityGroup.id).filter_by(
                    name=values['name'], project_id=row.project_id)).first():
            raise network_api.Error(
                409, 'SecurityGroupConflict',
                'Security group %s already exists in project %s.'
                % (values['name'], row.project_id))
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        return _group_dicts(s, [row])[0]


@session.retry
def delete_group(ctx, group_id):
    with session.writer(ctx) as s:
        row = _group_row(s, ctx, group_id)
        if row.name == DEFAULT and not ctx.is_admin:
            raise network_api.Error(
                409, 'SecurityGroupCannotRemoveDefault',
                'Insufficient rights for removing default security group.')
        used = s.execute(select(func.count()).select_from(
            models.PortSecurityGroup).filter_by(
            security_group_id=row.id)).scalar()
        # A live server of the project names it (the compute API keeps
        # groups by name).
        used = used or any(row.name in (groups or []) for groups in s.execute(
            select(models.Instance.security_groups).filter_by(
                project_id=row.project_id, deleted=0)).scalars())
        if used:
            raise network_api.Error(
                409, 'SecurityGroupInUse',
                'Security Group %s in use.' % group_id)
        s.execute(delete(models.SecurityGroupRule).filter_by(
            security_group_id=row.id))
        s.delete(row)


def _rules_query(ctx):
    query = select(models.SecurityGroupRule, models.SecurityGroup.uuid).join(
        models.SecurityGroup, models.SecurityGroup.id
        == models.SecurityGroupRule.security_group_id)
    return _visible(query, ctx)


def list_rules(ctx):
    with session.reader(ctx) as s:
        return [_rule_dict(r, g) for r, g in s.execute(
            _rules_query(ctx).order_by(models.SecurityGroupRule.id))]


def get_rule(ctx, rule_id):
    with session.reader(ctx) as s:
        found = s.execute(_rules_query(ctx).where(
            models.SecurityGroupRule.uuid == rule_id)).first()
        if found is None:
            raise network_api.not_found('SecurityGroupRule', rule_id)
        return _rule_dict(*found)


@session.retry
def create_rule(ctx, group_id, values):
    """``values``: RULE_FIELDS and description, already validated."""
    with session.writer(ctx) as s:
        group = _group_row(s, ctx, group_id)
        remote = values.get('remote_group_id')
        if remote is not None:
            _group_row(s, ctx, remote)
        for rule in s.execute(select(models.SecurityGroupRule).filter_by(
                security_group_id=group.id)).scalars():
            if all(getattr(rule, k) == values.get(k) for k in RULE_FIELDS):
                raise network_api.Error(
                    409, 'SecurityGroupRuleExists',
                    'Security group rule already exists. Rule id is %s.'
                    % rule.uuid)
        rule = models.SecurityGroupRule(
            uuid=str(uuid.uuid4()), security_group_id=group.id,
            project_id=group.project_id,
            description=values.get('description') or '',
            **{k: values.get(k) for k in RULE_FIELDS})
        s.add(rule)
        s.flush()
        return _rule_dict(rule, group.uuid)


@session.retry
def delete_rule(ctx, rule_id):
    with session.writer(ctx) as s:
        found = s.execute(_rules_query(ctx).where(
            models.SecurityGroupRule.uuid == rule_id)).first()
        if found is None:
            raise network_api.not_found('SecurityGroupRule', rule_id)
        s.delete(found[0])
