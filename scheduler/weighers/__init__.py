"""Host weighers and the ranking they produce."""

from novalite.scheduler.weighers import affinity
from novalite.scheduler.weighers import ram


def get_weighers(conf):
    return [ram.RAMWeigher(conf),
            affinity.ServerGroupSoftAffinityWeigher(conf),
            affinity.ServerGroupSoftAntiAffinityWeigher(conf)]


def rank(weighers, hosts, spec):
    """``hosts`` best first: highest summed weight, ties by host and node
    name so a decision is reproducible."""
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        if not weigher.applies(spec):
            continue
        for i, w in enumerate(weigher.weigh_all(hosts, spec)):
            totals[i] += w
    order = sorted(range(len(hosts)),
                   key=lambda i: (-totals[i], hosts[i].host,
                                  hosts[i].nodename))
    return [hosts[i] for i in order]
