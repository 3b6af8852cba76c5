"""ServerGroupSoftAffinityWeigher and ServerGroupSoftAntiAffinityWeigher
(Nova's): for a group with a soft policy, prefer hosts with more of its
members (soft-affinity) or fewer (soft-anti-affinity); never refuse one.
Weights are the members per host (``spec['group_hosts']``), normalized,
times ``[scheduler] soft_affinity_weight_multiplier`` /
``soft_anti_affinity_weight_multiplier``."""

from novalite.common.db import server_groups
from novalite.scheduler.weighers import base


class _SoftWeigher(base.BaseHostWeigher):
    policy = None
    sign = 1

    def applies(self, spec):
        group = spec.get('instance_group') or {}
        return group.get('policy') == self.policy and super().applies(spec)

    def raw_weight(self, host, spec):
        group = spec.get('instance_group') or {}
        if group.get('policy') != self.policy:
            return 0
        return self.sign * (spec.get('group_hosts') or {}).get(host.host, 0)


class ServerGroupSoftAffinityWeigher(_SoftWeigher):
    policy = server_groups.SOFT_AFFINITY

    def multiplier(self):
        return self.conf.scheduler.soft_affinity_weight_multiplier


class ServerGroupSoftAntiAffinityWeigher(_SoftWeigher):
    policy = server_groups.SOFT_ANTI_AFFINITY
    sign = -1

    def multiplier(self):
        return self.conf.scheduler.soft_anti_affinity_weight_multiplier
