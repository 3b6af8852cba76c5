"""Server groups (Nova's instance groups) and their members. A group dict
carries ``id, uuid, name, project_id, user_id, policy, rules, members``
(the uuids of its live servers, oldest first), ``created_at``.

The group row is a guard: adding members and claiming a host for a member
(``placement.claim`` calls ``lock_for_consumer`` and ``check_placement``)
bump its ``generation`` first, so those transactions run one at a time per
group and each sees where the others put their members.
"""

import collections
import uuid as uuidlib

from sqlalchemy import delete, func, select, update

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

AFFINITY = 'affinity'
ANTI_AFFINITY = 'anti-affinity'
SOFT_AFFINITY = 'soft-affinity'
SOFT_ANTI_AFFINITY = 'soft-anti-affinity'
HARD_POLICIES = (AFFINITY, ANTI_AFFINITY)


class InstanceGroupNotFound(exception.NovaliteException):
    code = 404
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


class MembersOverQuota(exception.NovaliteException):
    code = 403
    msg_fmt = 'Quota exceeded, too many servers in group'


class GroupPolicyConflict(exception.ResourceProviderConflict):
    """A claim would break the group's hard policy (another member landed
    on the host, or elsewhere for affinity, meanwhile): choose again."""
    msg_fmt = ('Host %(host)s breaks the %(policy)s policy of server '
               'group %(group)s.')


def max_per_host(group):
    """Members an anti-affinity group allows on one host (rules, 2.64)."""
    return int((group.get('rules') or {}).get('max_server_per_host') or 1)


def _live_members(group_ids):
    """(group_id, instance_uuid) of members whose server is not deleted."""
    m, i = models.ServerGroupMember, models.Instance
    return (select(m.group_id, m.instance_uuid)
            .join(i, i.uuid == m.instance_uuid)
            .where(m.group_id.in_(group_ids), i.deleted == 0)
            .order_by(m.id))


def _with_members(s, rows):
    groups = [r.as_dict() for r in rows]
    if not groups:
        return []
    members = collections.defaultdict(list)
    for group_id, inst in s.execute(_live_members([g['id']
                                                   for g in groups])):
        members[group_id].append(inst)
    for g in groups:
        g['rules'] = g['rules'] or {}
        g['members'] = members[g['id']]
    return groups


def _get_row(s, group_uuid, project_id=None):
    query = select(models.ServerGroup).filter_by(uuid=group_uuid)
    if project_id is not None:
        query = query.filter_by(project_id=project_id)
    row = s.execute(query).scalar_one_or_none()
    if row is None:
        raise InstanceGroupNotFound(group_uuid=group_uuid)
    return row


def count(s, project_id, user_id=None):
    """Groups of the project (of one user of it), in an open session."""
    query = select(func.count(models.ServerGroup.id)).filter_by(
        project_id=project_id)
    if user_id is not None:
        query = query.filter_by(user_id=user_id)
    return s.execute(query).scalar()


def counts(ctx, project_id, user_id=None):
    with session.reader(ctx) as s:
        return count(s, project_id, user_id)


@session.retry
@session.retry_on_duplicate
def create(ctx, values, check=None):
    """Write a group (``name, project_id, user_id, policy, rules``);
    ``check(session)`` runs first in the transaction (the quota count
    under the project's guard; a racing first insert of that guard is a
    duplicate, tried once more)."""
    with session.writer(ctx) as s:
        if check is not None:
            check(s)
        row = models.ServerGroup(uuid=str(uuidlib.uuid4()), generation=0,
                                 **values)
        s.add(row)
        s.flush()
        group = row.as_dict()
    group['members'] = []
    return group


def get(ctx, group_uuid, project_id=None):
    """The group; ``project_id`` (a non-admin's) restricts to its project.

    :raises: InstanceGroupNotFound
    """
    with session.reader(ctx) as s:
        return _with_members(s, [_get_row(s, group_uuid, project_id)])[0]


def get_all(ctx, project_id=None):
    """Groups of ``project_id`` (every project's with None), by age."""
    with session.reader(ctx) as s:
        query = select(models.ServerGroup).order_by(models.ServerGroup.id)
        if project_id is not None:
            query = query.filter_by(project_id=project_id)
        return _with_members(s, s.execute(query).scalars().all())


@session.retry
def destroy(ctx, group_uuid, project_id=None):
    """Delete the group and its memberships (its servers stay).

    :raises: InstanceGroupNotFound
    """
    with session.writer(ctx) as s:
        row = _get_row(s, group_uuid, project_id)
        s.execute(delete(models.ServerGroupMember).filter_by(
            group_id=row.id))
        s.delete(row)


def _lock(s, group_id):
    s.execute(update(models.ServerGroup).where(
        models.ServerGroup.id == group_id).values(
        generation=models.ServerGroup.generation + 1)
        .execution_options(synchronize_session=False))


def count_members(s, group_id, user_id):
    """Live servers of ``user_id`` in the group (Nova's
    server_group_members usage), in an open session."""
    m, i = models.ServerGroupMember, models.Instance
    return s.execute(select(func.count(m.id))
                     .join(i, i.uuid == m.instance_uuid)
                     .where(m.group_id == group_id, m.user_id == user_id,
                            i.deleted == 0)).scalar()


def counts_members(ctx, group_id, user_id):
    with session.reader(ctx) as s:
        return count_members(s, group_id, user_id)


@session.retry
def add_members(ctx, group_uuid, instance_uuids, user_id, limit=-1,
                project_id=None):
    """Make the servers members of the group, under its guard: with
    ``limit`` >= 0, the user's members in the group (these included) must
    not exceed it.

    :raises: InstanceGroupNotFound (deleted meanwhile); MembersOverQuota
    """
    with session.writer(ctx) as s:
        row = _get_row(s, group_uuid, project_id)
        _lock(s, row.id)
        if limit >= 0 and count_members(s, row.id, user_id) + len(
                instance_uuids) > limit:
            raise MembersOverQuota()
        for inst in instance_uuids:
            s.add(models.ServerGroupMember(group_id=row.id,
                                           instance_uuid=inst,
                                           user_id=user_id))
        s.flush()


def remove_member_in_session(s, instance_uuid):
    """A deleted server leaves its group (inside the delete's session)."""
    s.execute(delete(models.ServerGroupMember).filter_by(
        instance_uuid=instance_uuid).execution_options(
        synchronize_session=False))


def groups_of(ctx, instance_uuids):
    """{instance_uuid: its group's uuid} of those in a group: one query."""
    if not instance_uuids:
        return {}
    m, g = models.ServerGroupMember, models.ServerGroup
    with session.reader(ctx) as s:
        return dict(s.execute(select(m.instance_uuid, g.uuid)
                              .join(g, m.group_id == g.id)
                              .where(m.instance_uuid.in_(
                                  list(instance_uuids)))).all())


def _member_hosts_query(group_id, exclude=()):
    m, a, n = models.ServerGroupMember, models.Allocation, models.ComputeNode
    query = (select(n.host)
             .join(a, a.compute_node_id == n.id)
             .join(m, m.instance_uuid == a.consumer_uuid)
             .where(m.group_id == group_id))
    if exclude:
        query = query.where(m.instance_uuid.not_in(list(exclude)))
    return query


@session.retry
def member_hosts(ctx, group_uuid, exclude=()):
    """{host: members of the group holding a claim there}, the servers
    ``exclude`` names left out (those being scheduled)."""
    with session.reader(ctx) as s:
        row = s.execute(select(models.ServerGroup.id).filter_by(
            uuid=group_uuid)).scalar_one_or_none()
        if row is None:
            return collections.Counter()
        return collections.Counter(
            s.execute(_member_hosts_query(row, exclude)).scalars())


# -- inside a claim (placement.claim) ----------------------------------------

def lock_for_consumer(s, consumer_uuid):
    """First statement of a claim: take the guard of the consumer's group
    if it has a hard policy (before any read, so that on MySQL the claim's
    snapshot already holds what the previous claim of the group wrote).
    Returns the group dict (``id, uuid, policy, rules``) or None."""
    m, g = models.ServerGroupMember, models.ServerGroup
    mine = select(m.group_id).where(m.instance_uuid == consumer_uuid)
    bumped = s.execute(update(g).where(
        g.id.in_(mine.scalar_subquery()), g.policy.in_(HARD_POLICIES))
        .values(generation=g.generation + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not bumped:
        return None
    row = s.execute(select(g.id, g.uuid, g.policy, g.rules).where(
        g.id.in_(mine.scalar_subquery()))).first()
    return {'id': row.id, 'uuid': row.uuid, 'policy': row.policy,
            'rules': row.rules or {}}


def check_placement(s, group, consumer_uuid, host):
    """After the claim's allocation is written: ``host`` must keep the
    group's hard policy given where its other members hold claims.

    :raises: GroupPolicyConflict
    """
    hosts = collections.Counter(s.execute(_member_hosts_query(
        group['id'], (consumer_uuid,))).scalars())
    if group['policy'] == ANTI_AFFINITY:
        ok = hosts[host] + 1 <= max_per_host(group)
    else:
        ok = not hosts or set(hosts) == {host}
    if not ok:
        raise GroupPolicyConflict(host=host, policy=group['policy'],
                                  group=group['uuid'])
