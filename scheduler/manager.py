"""Scheduler service: filter and weigh compute nodes, then claim resources
on the best one for each instance.

Nodes and services are kept between requests (scheduler/host_cache.py:
each request re-reads usage and admin flags, everything else at most every
``[scheduler] host_cache_ttl``); claims are atomic in the database
(``placement.claim``), so several scheduler processes can run side by side
without over-committing a node.
"""

import collections
import threading
import time

from oslo_log import log as logging

from novalite.common.db import placement
from novalite.common.db import server_groups as server_groups_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import rpc
from novalite.scheduler import filters
from novalite.scheduler import host_cache
from novalite.scheduler import rpcapi
from novalite.scheduler import weighers

LOG = logging.getLogger(__name__)

NOT_ENOUGH_HOSTS = 'There are not enough hosts available.'
# "Why no host": at most this many hosts named, each line this long.
EXPLAIN_HOSTS = 20
EXPLAIN_LINE = 200


class SchedulerManager:
    """RPC endpoint of ``novalite-scheduler`` (API version
    ``RPC_API_VERSION``, see scheduler/rpcapi.py). Only
    ``select_destinations`` is exposed over the bus; the algorithm below is
    for in-process callers."""

    RPC_API_VERSION = rpcapi.RPC_API_VERSION
    target = rpc.target(RPC_API_VERSION)

    def __init__(self, conf):
        self.conf = conf
        # One placement decision at a time in this process: concurrent
        # requests all rank the same node best, and racing each other's
        # claims on it (generation conflicts, retried up to claim_retries)
        # failed boots with NoValidHost at concurrency 50 on an empty
        # cloud. A decision takes a few ms; other scheduler processes are
        # still kept honest by the claim's generation check.
        self._decide = threading.Lock()
        self.cache = host_cache.HostCache(conf)
        self._fresh = False
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
        with self._decide:
            return self.select(ctxt, request_spec, instance_uuids,
                               return_alternates)

    # -- the algorithm (in-process only: not exposed over RPC) -------------
    def load_hosts(self, ctx, reload=False):
        """``(HostStates of every compute node, read in full just now?)``
        from the host cache: two small queries per request, whatever the
        number of hosts."""
        return self.cache.host_states(ctx, reload=reload)

    def filter_hosts(self, hosts, spec):
        """Hosts passing every enabled filter, logging which filter emptied
        the list (the first question an operator asks)."""
        for f in self.filters:
            hosts = f.filter_all(hosts, spec)
            if not hosts:
                LOG.info('Filter %s removed all remaining hosts', f.name)
                break
        return hosts

    def explain_refusals(self, hosts, spec, refused):
        """``host: Filter: why`` for each host of ``hosts`` the filters
        refuse (run again, only when a request found no host), after the
        ``refused`` ones (ignored, not the requested destination); capped
        to a readable length. What a fault's details and the scheduling
        event show admins."""
        lines = dict(refused)
        for f in self.filters:
            passed = f.filter_all(hosts, spec)
            kept = {id(h) for h in passed}
            for h in hosts:
                if id(h) not in kept:
                    lines.setdefault(h.host, '%s: %s' % (
                        f.name, f.explain(h, spec)))
            hosts = passed
        for h in hosts:      # passed every filter: lost to racing claims
            lines.setdefault(h.host, 'claim conflicts with concurrent '
                                     'requests')
        if not lines:
            return 'no compute host is known'
        names = sorted(lines)
        out = [('%s: %s' % (n, lines[n]))[:EXPLAIN_LINE]
               for n in names[:EXPLAIN_HOSTS]]
        if len(names) > EXPLAIN_HOSTS:
            out.append('... and %d more hosts' % (len(names) - EXPLAIN_HOSTS))
        return '\n'.join(out)

    def _no_valid_host(self, spec):
        return exception.NoValidHost(
            reason=NOT_ENOUGH_HOSTS, explanation=self.explain_refusals(
                spec['all_hosts'], spec, spec['refused']))

    def rank_hosts(self, hosts, spec):
        return weighers.rank(self.weighers, hosts, spec)

    def select(self, ctx, request_spec, instance_uuids,
               return_alternates=True):
        """Decide on the cached hosts; when nothing fits there, read every
        host again and decide once more, so a cache older than a new host
        or a freed node never refuses a boot. When then every compute
        host looks down, wait for their next heartbeats once (see
        ``_wait_for_beats``) before answering NoValidHost."""
        try:
            return self._select(ctx, request_spec, instance_uuids,
                                return_alternates, reload=False)
        except exception.NoValidHost:
            if not self._fresh:
                LOG.debug('No host in the cached view; reading all hosts '
                          'again')
                try:
                    return self._select(ctx, request_spec, instance_uuids,
                                        return_alternates, reload=True)
                except exception.NoValidHost:
                    if not self._wait_for_beats(ctx):
                        raise
            elif not self._wait_for_beats(ctx):
                raise
        return self._select(ctx, request_spec, instance_uuids,
                            return_alternates, reload=True)

    def _wait_for_beats(self, ctx):
        """Every compute host looking down at once is what a database
        outage longer than service_down_time leaves behind: no heartbeat
        could be written, and the first boot after it would fail before
        the agents' next beats land. Wait for those (two report
        intervals, at most service_down_time) and let the caller decide
        once more; False (no wait) when some compute host is up, or an
        admin forced them all down."""
        states = self.cache.states()
        if not states or any(s.service_up for s in states):
            return False
        forced = {h for h, (_d, _r, down) in services_db.admin_flags(
            ctx, host_cache.COMPUTE_BINARY).items() if down}
        if all(s.host in forced for s in states):
            return False
        wait = min(2 * self.conf.report_interval,
                   self.conf.service_down_time)
        LOG.warning('Every compute host looks down: waiting %s s for their '
                    'heartbeats before deciding again', wait)
        time.sleep(wait)
        return True

    def _select(self, ctx, request_spec, instance_uuids, return_alternates,
                reload):
        spec = dict(request_spec, resources=placement.resources_from_flavor(
            request_spec['flavor']))
        ignore = set(request_spec.get('ignore_hosts') or ())
        loaded, self._fresh = self.load_hosts(ctx, reload=reload)
        # An admin's requested destination (compute API 2.74).
        dest = request_spec.get('requested_destination') or {}
        hosts, refused = [], {}
        for h in loaded:
            if h.host in ignore:
                refused[h.host] = 'an earlier attempt failed there'
            elif dest.get('host') not in (None, h.host) or \
                    dest.get('node') not in (None, h.nodename):
                refused[h.host] = 'not the requested destination'
            else:
                hosts.append(h)
        # Kept only to explain a NoValidHost.
        spec['all_hosts'], spec['refused'] = hosts, refused
        alternates = (self.conf.scheduler.max_attempts - 1
                      if return_alternates else 0)
        self._load_group_hosts(ctx, spec, instance_uuids)
        claimed, result = [], []
        try:
            for consumer in instance_uuids:
                chosen, ranked = self._claim_one(ctx, consumer, hosts, spec)
                claimed.append(consumer)
                if spec.get('instance_group'):
                    spec['mine'][chosen.host] += 1
                    spec['group_hosts'][chosen.host] += 1
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
                raise self._no_valid_host(spec)
            best = ranked[0]
            try:
                placement.claim(ctx, consumer, best.node['id'],
                                best.generation, spec['resources'],
                                grouped=bool(spec.get('instance_group')))
            except server_groups_db.GroupPolicyConflict as exc:
                # A racing boot of the group claimed meanwhile: re-read
                # where its members are and decide again.
                conflicts += 1
                LOG.info('%s; choosing again for %s', exc, consumer)
                if conflicts >= self.conf.scheduler.claim_retries:
                    raise self._no_valid_host(spec)
                self._load_group_hosts(ctx, spec, spec['instance_uuids'])
                continue
            except exception.ResourceProviderConflict:
                conflicts += 1
                if conflicts >= self.conf.scheduler.claim_retries:
                    LOG.warning('Giving up on %s after %d concurrent claim '
                                'conflicts', consumer, conflicts)
                    raise self._no_valid_host(spec)
                try:
                    best.update(placement.get_node_by_uuid(ctx, best.uuid))
                except exception.ComputeNodeNotFound:
                    hosts.remove(best)   # deleted meanwhile
                    self.cache.forget(best)
                continue
            best.consume(spec['resources'])
            LOG.debug('Claimed %s for %s', best, consumer)
            return best, ranked

    @staticmethod
    def _load_group_hosts(ctx, spec, instance_uuids):
        """For a server group (the ``group`` hint, resolved by the API into
        ``instance_group``): ``spec['group_hosts']``, its members per host
        as claimed in the database now, plus what this request claimed
        (``spec['mine']``)."""
        group = spec.get('instance_group')
        if not group:
            return
        spec['instance_uuids'] = list(instance_uuids)
        mine = spec.setdefault('mine', collections.Counter())
        spec['group_hosts'] = server_groups_db.member_hosts(
            ctx, group['uuid'], exclude=instance_uuids) + mine

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
