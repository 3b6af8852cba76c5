"""What the scheduler keeps of every compute node between requests.

Reading every node and service as ORM rows cost ~4 ms per 100 hosts
(bench/scheduler.py: 95 ms at 1 000 hosts, nearly all of it that read),
and nearly all of it is the same from one request to the next. So the
full read happens at most every ``[scheduler] host_cache_ttl`` seconds
(and at least 20x its own duration apart); each request reads only what
changes between boots and matters at once, as plain tuples:

- usage per node (``placement.usage_by_node``), so a delete's freed room is
  seen by the next boot;
- the services an admin disabled or forced down
  (``services.admin_flags``), so a disable applies to the next boot.

A node's generation is the cached one: this scheduler's own claims bump
it in memory, and when another scheduler claimed meanwhile the claim's
compare-and-swap fails and the manager re-reads that node (Placement's
scheme, unchanged). What may lag by one TTL: a new host, a node's new
capacity or allocation ratio, a missed heartbeat. A request that fits
nowhere reads everything again before it gives up (the manager), so the
lag can shift a choice but never refuse a boot.
"""

import datetime
import time

from novalite.common.db import placement
from novalite.common.db import services as services_db
from novalite.scheduler import host_state

COMPUTE_BINARY = 'novalite-compute'
# A full read may take at most this share of the scheduler's time.
RELOAD_SHARE = 20


class HostCache:

    def __init__(self, conf):
        self.conf = conf
        self._states = []
        self._last_seen = {}   # host -> its last heartbeat (naive UTC)
        self._loaded_at = None
        self._load_seconds = 0.0

    def _stale(self):
        ttl = self.conf.scheduler.host_cache_ttl
        if self._loaded_at is None or ttl <= 0:
            return True
        age = time.monotonic() - self._loaded_at
        return age > max(ttl, RELOAD_SHARE * self._load_seconds)

    def host_states(self, ctx, reload=False):
        """``(states, fresh)``: the HostStates of every node, with current
        usage and admin flags; ``fresh`` is True when everything was read
        just now. The states are this cache's own objects: a decision's
        ``consume()`` and a conflict's ``update()`` carry over to the next
        request (callers hold the manager's decision lock)."""
        if reload or self._stale():
            self._load(ctx)
            return list(self._states), True
        usage = placement.usage_by_node(ctx)
        flags = services_db.admin_flags(ctx, COMPUTE_BINARY)
        # services.is_up, once for all hosts: beat since the cutoff.
        cutoff = services_db.utcnow() - datetime.timedelta(
            seconds=self.conf.service_down_time)
        unused, unflagged = (0, 0, 0), (False, None, False)
        last_seen = self._last_seen
        for state in self._states:
            state.set_used(usage.get(state.node['id'], unused))
            disabled, reason, forced = flags.get(state.host, unflagged)
            last = last_seen.get(state.host)
            state.service_up = (last is not None and last >= cutoff
                                and not forced)
            state.service_disabled = disabled
            state.disabled_reason = reason if disabled else None
        return list(self._states), False

    def states(self):
        """The cached HostStates as the last request left them."""
        return list(self._states)

    def forget(self, state):
        """Drop a node that was deleted meanwhile."""
        if state in self._states:
            self._states.remove(state)

    def _load(self, ctx):
        began = time.monotonic()
        nodes = placement.get_nodes_with_usage(ctx)
        svcs = services_db.get_all(ctx, binary=COMPUTE_BINARY)
        self._last_seen = {s['host']: services_db.last_seen(s)
                           for s in svcs}
        self._states = host_state.build_host_states(
            nodes, svcs, self.conf.service_down_time, services_db.is_up)
        self._loaded_at = time.monotonic()
        self._load_seconds = self._loaded_at - began
