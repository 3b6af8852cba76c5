"""Scheduler service: filter and weigh compute nodes, then claim resources
on the best one for each instance.

State is read fresh for every request in two queries (nodes with usage,
compute services) and never cached between requests; claims are atomic in
the database (``placement.claim``), so several scheduler processes can run
side by side without over-committing a node.
"""

from oslo_log import log as logging

from novalite.common.db import placement
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import rpc
from novalite.scheduler import filters
from novalite.scheduler import host_state
from novalite.scheduler import rpcapi
from novalite.scheduler import weighers

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'novalite-compute'
NOT_ENOUGH_HOSTS = 'There are not enough hosts available.'


class SchedulerManager:
    """RPC endpoint of ``novalite-scheduler`` (API version
    ``RPC_API_VERSION``, see scheduler/rpcapi.py). Only
    ``select_destinations`` is exposed over the bus; the algorithm below is
    for in-process callers."""

    RPC_API_VERSION = rpcapi.RPC_API_VERSION
    target = rpc.target(RPC_API_VERSION)

    def __init__(self, conf):
        self.conf = conf
        self.reset()

    def reset(self):
        """(Re)build filters and weighers from the config: called at start
        and after SIGHUP reloads mutable options (common/service.py)."""
        self.filters = filters.get_filters(self.conf.scheduler.enabled_filters)
        self.weighers = weighers.get_weighers(self.conf)

    @rpc.expose
    @rpc.expected_exceptions(exception.NoValidHost)
    def select_destinations(self, ctxt, request_spec, instance_uuids,
                            return_alternates=True):
        """Pick and claim a host for each instance.

        :param request_spec: dict (see doc/architecture.md).
        :param instance_uuids: the consumers to claim resources for.
        :param return_alternates: also return unclaimed alternates.
        :returns: per instance ``[chosen, alternate, ...]`` selection dicts.
        :raises: NoValidHost when any instance fits nowhere; the claims
            made for the other instances of the request are freed then.
        """
        return self.select(ctxt, request_spec, instance_uuids,
                           return_alternates)

    # -- the algorithm (in-process only: not exposed over RPC) -------------
    def load_hosts(self, ctx):
        """HostStates of every compute node: two queries, whatever the
        number of hosts."""
        nodes = placement.get_nodes_with_usage(ctx)
        svcs = services_db.get_all(ctx, binary=COMPUTE_BINARY)
        return host_state.build_host_states(
            nodes, svcs, self.conf.service_down_time, services_db.is_up)

    def filter_hosts(self, hosts, spec):
        """Hosts passing every enabled filter, logging which filter emptied
        the list (the first question an operator asks)."""
        for f in self.filters:
            hosts = f.filter_all(hosts, spec)
            if not hosts:
                LOG.info('Filter %s removed all remaining hosts', f.name)
                break
        return hosts

    def rank_hosts(self, hosts, spec):
        return weighers.rank(self.weighers, hosts, spec)

    def select(self, ctx, request_spec, instance_uuids,
               return_alternates=True):
        spec = dict(request_spec, resources=placement.resources_from_flavor(
            request_spec['flavor']))
        ignore = set(request_spec.get('ignore_hosts') or ())
        hosts = [h for h in self.load_hosts(ctx) if h.host not in ignore]
        # An admin's requested destination (compute API 2.74).
        dest = request_spec.get('requested_destination') or {}
        hosts = [h for h in hosts
                 if dest.get('host') in (None, h.host)
                 and dest.get('node') in (None, h.nodename)]
        alternates = (self.conf.scheduler.max_attempts - 1
                      if return_alternates else 0)
        claimed, result = [], []
        try:
            for consumer in instance_uuids:
                chosen, ranked = self._claim_one(ctx, consumer, hosts, spec)
                claimed.append(consumer)
                result.append([chosen.selection()] + self._alternates(
                    chosen, ranked, alternates))
        except Exception:
            # All or nothing: a request that cannot be placed holds nothing.
            placement.free_all(ctx, claimed)
            raise
        return result

    def _claim_one(self, ctx, consumer, hosts, spec):
        """Claim on the best host; on a concurrent change re-read that node
        and decide again, up to ``[scheduler] claim_retries`` times."""
        conflicts = 0
        while True:
            ranked = self.rank_hosts(self.filter_hosts(hosts, spec), spec)
            if not ranked:
                raise exception.NoValidHost(reason=NOT_ENOUGH_HOSTS)
            best = ranked[0]
            try:
                placement.claim(ctx, consumer, best.node['id'],
                                best.generation, spec['resources'])
            except exception.ResourceProviderConflict:
                conflicts += 1
                if conflicts >= self.conf.scheduler.claim_retries:
                    LOG.warning('Giving up on %s after %d concurrent claim '
                                'conflicts', consumer, conflicts)
                    raise exception.NoValidHost(reason=NOT_ENOUGH_HOSTS)
                try:
                    best.update(placement.get_node_by_uuid(ctx, best.uuid))
                except exception.ComputeNodeNotFound:
                    hosts.remove(best)   # deleted meanwhile
                continue
            best.consume(spec['resources'])
            LOG.debug('Claimed %s for %s', best, consumer)
            return best, ranked

    @staticmethod
    def _alternates(chosen, ranked, count):
        """The next ``count`` best hosts other than the chosen one, one
        node per host (a reschedule goes to a different host)."""
        seen = {chosen.host}
        out = []
        for h in ranked:
            if len(out) >= count:
                break
            if h.host not in seen:
                seen.add(h.host)
                out.append(h.selection())
        return out
