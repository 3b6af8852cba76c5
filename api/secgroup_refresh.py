"""Rules and group membership changed through the API reach the running
guests: the new rules go to the compute hosts with ports in the groups (one
cast, fanout when several hosts have them) and each host redefines the
filters it has. Best effort: the change is written
already, and a host that misses the message gets the rules again with
its next port in the group."""

from oslo_log import log as logging

from novalite.common.db import network_info

LOG = logging.getLogger(__name__)

_CLIENT = {}


def _compute(conf):
    if 'compute' not in _CLIENT:
        from novalite.compute import rpcapi
        _CLIENT['compute'] = rpcapi.ComputeAPI(conf)
    return _CLIENT['compute']


def groups_changed(conf, ctx, group_uuids):
    """These groups' rules changed."""
    def work():
        return (network_info.hosts_using(ctx, group_uuids),
                network_info.group_rules(ctx, group_uuids), None)
    _send(conf, ctx, group_uuids, work)


def instances_changed(conf, ctx, instance_uuids, old_groups=()):
    """These servers' groups changed: their ports get new group lists and
    the groups they joined or left (``old_groups``) new member lists."""
    def work():
        info = network_info.for_instances(ctx, instance_uuids)
        nics = [p for ports in info.values() for p in ports]
        members = {g['id'] for p in nics for g in p['security_groups']}
        members.update(old_groups)
        groups, hosts = network_info.rules_after_member_change(ctx, members)
        hosts.update(network_info.instance_hosts(ctx, instance_uuids))
        return hosts, groups, nics
    _send(conf, ctx, instance_uuids, work)


def _send(conf, ctx, what, work):
    try:
        hosts, groups, ports = work()
        if not groups and not ports:
            return
        _compute(conf).refresh_security_groups(ctx, hosts, groups, ports)
    except Exception:  # noqa: BLE001 -- the API answer stands
        LOG.exception('cannot send the security group change of %s', what)
