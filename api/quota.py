"""Nova's quota engine over counted usage: the limits of a project or a
user (user row > project row > ``default`` class row > ``[quota]``
option), the checks on server create (with a recheck after the write),
key pairs and metadata, and the sets each microversion shows."""

import base64

from novalite.api import faults
from novalite.common.db import quotas as quotas_db
from novalite.common.db import server_groups as server_groups_db

DEFAULT_CLASS = 'default'
INSTANCE_RESOURCES = ('instances', 'cores', 'ram')
NETWORK = ('floating_ips', 'fixed_ips', 'security_groups',
           'security_group_rules')
INJECTED = ('injected_files', 'injected_file_content_bytes',
            'injected_file_path_bytes')
SERVER_GROUPS = ('server_groups', 'server_group_members')
# Every resource of Nova's quota engine, in its order.
RESOURCES = (INSTANCE_RESOURCES + ('metadata_items',) + INJECTED +
             ('key_pairs',) + SERVER_GROUPS + NETWORK)
# [quota] option per resource; the nova-network ones kept only for the
# responses before 2.36 have fixed defaults, as in Nova.
_OPTION = {'injected_file_path_bytes': 'injected_file_path_length'}
_FIXED = {'floating_ips': 10, 'fixed_ips': -1, 'security_groups': 10,
          'security_group_rules': 20}
# Usage counters other resources register: {resource: f(ctx, project_id,
# user_id) -> int}.
COUNTERS = {'server_groups': server_groups_db.counts}


def conf_defaults(conf):
    return {r: _FIXED[r] if r in _FIXED else
            getattr(conf.quota, _OPTION.get(r, r)) for r in RESOURCES}


def defaults(conf, ctx):
    """The default limits: ``[quota]`` overridden by the default class."""
    limits = conf_defaults(conf)
    limits.update({k: v for k, v in quotas_db.get_class(
        ctx, DEFAULT_CLASS).items() if k in limits})
    return limits


def class_limits(conf, ctx, class_name):
    limits = defaults(conf, ctx)
    if class_name != DEFAULT_CLASS:
        limits.update({k: v for k, v in quotas_db.get_class(
            ctx, class_name).items() if k in limits})
    return limits


def project_limits(conf, ctx, project_id):
    limits = defaults(conf, ctx)
    limits.update({k: v for k, v in quotas_db.get_project(
        ctx, project_id).items() if k in limits})
    return limits


def user_limits(conf, ctx, project_id, user_id, project=None):
    limits = dict(project or project_limits(conf, ctx, project_id))
    limits.update({k: v for k, v in quotas_db.get_user(
        ctx, project_id, user_id).items() if k in limits})
    return limits


def usage(ctx, project_id, user_id=None):
    """{resource: in_use}: counted for servers, cores, RAM, key pairs (per
    user only, 0 for a project, as Nova) and registered counters."""
    used = dict.fromkeys(RESOURCES, 0)
    used.update(quotas_db.usage(ctx, project_id, user_id))
    for resource, counter in COUNTERS.items():
        used[resource] = counter(ctx, project_id, user_id)
    return used


def visible(version, classes=False):
    """The resources a microversion shows: network ones go at 2.36 (2.50
    for classes, which gain the server group ones there), injected files
    at 2.57."""
    hidden = set()
    if version >= ('2.50' if classes else '2.36'):
        hidden.update(NETWORK)
    elif classes:
        hidden.update(SERVER_GROUPS)
    if version >= '2.57':
        hidden.update(INJECTED)
    return [r for r in RESOURCES if r not in hidden]


def settable(conf, ctx, project_id, user_id=None):
    """{resource: (minimum, maximum)} a new limit must lie within (Nova's
    get_settable_quotas): at least what is used; a user's at most what the
    project's limit leaves beside the other users' limits."""
    project = project_limits(conf, ctx, project_id)
    if not user_id:
        used = usage(ctx, project_id)
        return {r: (used[r], -1) for r in RESOURCES}
    used = usage(ctx, project_id, user_id)
    others = quotas_db.get_all_users(ctx, project_id)
    result = {}
    for r in RESOURCES:
        if project[r] == -1:
            result[r] = (used[r], -1)
            continue
        taken = sum(max(q.get(r, 0), 0) for u, q in others.items()
                    if u != user_id and r in q)
        result[r] = (used[r], max(project[r] - taken, 0))
    return result


def _over_message(resource, requested, used, limit):
    return ('Quota exceeded for %(r)s: Requested %(req)d, but already '
            'used %(used)d of %(limit)d %(r)s' % {
                'r': resource, 'req': requested, 'used': used,
                'limit': limit})


def _limits_and_usage(conf, ctx):
    """(project limits, user limits) of the caller, in one read."""
    default, project_rows, user_rows = quotas_db.get_stack(
        ctx, ctx.project_id, ctx.user_id)
    project = conf_defaults(conf)
    for rows in (default, project_rows):
        project.update({k: v for k, v in rows.items() if k in project})
    user = dict(project)
    user.update({k: v for k, v in user_rows.items() if k in user})
    return project, user


def allowed_count(conf, ctx, flavor, min_count, max_count, limits=None):
    """The number of servers to create: ``max_count`` when it fits, fewer
    (but at least ``min_count``) when only that many fit, checked against
    the project's and the user's limits (left in the ``limits`` dict, when
    given, for ``instances_guard``).

    :raises: Fault 403 "Quota exceeded for <resource>: ..." otherwise.
    """
    project, user = _limits_and_usage(conf, ctx)
    if limits is not None:
        limits.update(project=project, user=user)
    scopes = [(project, None), (user, ctx.user_id)]
    if all(limits[r] < 0 for limits, _ in scopes
           for r in INSTANCE_RESOURCES):
        return max_count
    each = {'instances': 1, 'cores': int(flavor['vcpus'] or 0),
            'ram': int(flavor['memory_mb'] or 0)}
    count = max_count
    for limits, user_id in scopes:
        if user_id is not None and limits == project:
            continue    # no user rows: the project check covers it
        used = None
        for resource in INSTANCE_RESOURCES:
            limit = limits[resource]
            if limit < 0 or not each[resource]:
                continue
            if used is None:
                used = usage(ctx, ctx.project_id, user_id)
            fits = max(0, (limit - used[resource]) // each[resource])
            if fits < min_count:
                raise faults.Fault(403, _over_message(
                    resource, each[resource] * max_count, used[resource],
                    limit))
            count = min(count, fits)
    return count


def instances_guard(conf, ctx, limits=None):
    """What the boot's write transaction runs around its inserts, so that
    a concurrent boot of the project that took the room meanwhile makes
    this one answer 403 with nothing written: ``guard(s)`` first takes
    the project's quota guard (rechecks of a project are serialized, and
    on MariaDB the transaction's snapshot starts after the previous one's
    commit), and returns ``verify(created)``, which counts again with the
    new servers and raises Fault 403 over a limit. None when there is
    nothing to recheck. ``limits``: what ``allowed_count`` left there.
    """
    if not conf.quota.recheck_quota:
        return None
    if limits:
        project, user = limits['project'], limits['user']
    else:
        project, user = _limits_and_usage(conf, ctx)
    scopes = [(project, None)]
    if user != project:
        scopes.append((user, ctx.user_id))
    if all(limits[r] < 0 for limits, _ in scopes
           for r in INSTANCE_RESOURCES):
        return None

    def guard(s):
        quotas_db.lock_project(s, ctx.project_id)
        return lambda created: _verify(s, ctx, created, scopes)
    return guard


def _verify(s, ctx, created, scopes):
    mine = {'instances': len(created),
            'cores': sum(int(i['flavor'].get('vcpus') or 0)
                         for i in created),
            'ram': sum(int(i['flavor'].get('memory_mb') or 0)
                       for i in created)}
    for limits, user_id in scopes:
        used = quotas_db.count_instances(s, ctx.project_id, user_id)
        for resource in INSTANCE_RESOURCES:
            limit = limits[resource]
            if limit >= 0 and used[resource] > limit:
                raise faults.Fault(403, _over_message(
                    resource, mine[resource],
                    used[resource] - mine[resource], limit))


def keypair_check(conf, ctx, user_id):
    """What the key pair's write transaction runs first: one more key pair
    for ``user_id`` must fit (the user's guard serializes two creates);
    None when unlimited.

    :raises: (when run) Fault 403 "Quota exceeded, too many key pairs."
    """
    limit = user_limits(conf, ctx, ctx.project_id or '',
                        user_id)['key_pairs']
    if limit < 0:
        return None

    def check(s):
        quotas_db.lock_project(s, 'key_pairs:' + user_id)
        if quotas_db.keypairs.count_by_user(s, user_id) + 1 > limit:
            raise faults.Fault(403, 'Quota exceeded, too many key pairs.')
    return check


def check_injected_files(conf, ctx, personality):
    """Personality files (before 2.57) within the user's limits, as Nova's
    _check_injected_file_quota; returns ``[[path, base64 contents]]``.

    :raises: Fault 403 with Nova's messages
    """
    files = [[f.get('path') or '', f.get('contents') or '']
             for f in personality or ()]
    if not files:
        return []
    limits = user_limits(conf, ctx, ctx.project_id, ctx.user_id)
    if 0 <= limits['injected_files'] < len(files):
        raise faults.Fault(403, 'Personality file limit exceeded')
    path_max = limits['injected_file_path_bytes']
    content_max = limits['injected_file_content_bytes']
    for path, contents in files:
        if 0 <= path_max < len(path.encode('utf-8')):
            raise faults.Fault(403, 'Personality file path exceeds maximum '
                                    '%d' % path_max)
        if 0 <= content_max < len(base64.b64decode(contents)):
            raise faults.Fault(403, 'Personality file content exceeds '
                                    'maximum %d' % content_max)
    return files


def check_metadata_items(ctx, count, conf=None):
    """A server's metadata may have ``count`` items (Nova's
    _check_metadata_properties_quota); for the metadata APIs too.

    :raises: Fault 403 "Maximum number of metadata items exceeds N"
    """
    if conf is None:
        from novalite.common.conf import CONF as conf
    limit = user_limits(conf, ctx, ctx.project_id,
                        ctx.user_id)['metadata_items']
    if 0 <= limit < count:
        raise faults.Fault(403, 'Maximum number of metadata items exceeds '
                                '%d' % limit)


def server_group_check(conf, ctx):
    """What the server group's write transaction runs first: one more
    group must fit the project's and the user's ``server_groups`` limits
    (the project's guard serializes two creates); None when unlimited.

    :raises: (when run) Fault 403 "Quota exceeded, too many server groups."
    """
    project, user = _limits_and_usage(conf, ctx)
    scopes = [(project['server_groups'], None),
              (user['server_groups'], ctx.user_id)]
    if all(limit < 0 for limit, _ in scopes):
        return None

    def check(s):
        quotas_db.lock_project(s, ctx.project_id)
        for limit, user_id in scopes:
            if limit >= 0 and server_groups_db.count(
                    s, ctx.project_id, user_id) + 1 > limit:
                raise faults.Fault(403, 'Quota exceeded, too many server '
                                        'groups.')
    return check


def server_group_members_limit(conf, ctx):
    """The caller's ``server_group_members`` limit (-1: unlimited)."""
    return _limits_and_usage(conf, ctx)[1]['server_group_members']
