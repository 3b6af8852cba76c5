"""ServerGroupAffinityFilter and ServerGroupAntiAffinityFilter (Nova's):
with a server group asked for (the ``group`` scheduler hint), only hosts
that keep its hard policy. ``spec['group_hosts']`` counts the group's
members per host, read when the request is scheduled and counted up as
this request's own instances are claimed; the claim re-checks the policy
in the database (``server_groups.check_placement``), so a racing boot of
the same group cannot slip past these filters."""

from novalite.common.db import server_groups
from novalite.scheduler.filters import base


def _group(spec, policy):
    group = spec.get('instance_group') or {}
    return group if group.get('policy') == policy else None


class ServerGroupAffinityFilter(base.BaseHostFilter):
    """affinity: the host of the group's members (any, for the first)."""

    def applies(self, spec):
        return _group(spec, server_groups.AFFINITY) is not None

    def host_passes(self, host, spec):
        if _group(spec, server_groups.AFFINITY) is None:
            return True
        hosts = spec.get('group_hosts') or {}
        return not hosts or host.host in hosts

    def explain(self, host, spec):
        return 'affinity: the group\'s members are on %s' % ', '.join(
            sorted(spec.get('group_hosts') or {}))


class ServerGroupAntiAffinityFilter(base.BaseHostFilter):
    """anti-affinity: fewer than ``max_server_per_host`` (2.64 rules,
    default 1) members on the host."""

    def applies(self, spec):
        return _group(spec, server_groups.ANTI_AFFINITY) is not None

    def host_passes(self, host, spec):
        group = _group(spec, server_groups.ANTI_AFFINITY)
        if group is None:
            return True
        hosts = spec.get('group_hosts') or {}
        return hosts.get(host.host, 0) < server_groups.max_per_host(group)

    def explain(self, host, spec):
        group = _group(spec, server_groups.ANTI_AFFINITY) or {}
        return 'anti-affinity: %d of the group\'s members here, at most %d' % (
            (spec.get('group_hosts') or {}).get(host.host, 0),
            server_groups.max_per_host(group))
