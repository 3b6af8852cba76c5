"""``novalite-manage audit``: is everything where the database says it is?

Compares, in one pass, the live instances, their allocations and ports,
each compute node's usage, and -- through each compute agent's RPC
``list_guests`` -- each host's libvirt domains and instance directories,
and lists every mismatch. Read-only unless ``fix``: then what can be
repaired safely is (claims and ports of instances that are gone freed, a
missing claim of a placed instance made, guests and files of deleted or
moved instances removed by their agent through ``reap_guests``); what
cannot (a guest that vanished under an ACTIVE server, a domain of no known
instance) is only reported.

Instances still building or with a task in progress are in flux and are
not judged (the recovery pass and the build timeout bound them).
"""

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common.db import placement
from novalite.common.db import recovery as recovery_db
from novalite.common.db import services as services_db
from novalite.common import states
from novalite.conductor import build

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'novalite-compute'
COLUMNS = ['kind', 'host', 'uuid', 'detail', 'fixed']
# vm_states whose guest must exist on the instance's host.
_WITH_GUEST = (states.ACTIVE, states.STOPPED, states.PAUSED,
               states.SUSPENDED)


def _settled(inst):
    return (inst['vm_state'] != states.BUILDING and
            not inst.get('task_state'))


class Audit:
    """One audit run; ``run()`` returns the mismatches (dicts of COLUMNS)
    and ``unchecked`` lists the hosts that did not answer."""

    def __init__(self, conf, ctx, compute_api, fix=False, timeout=10):
        self.conf = conf
        self.ctx = ctx
        self.compute = compute_api
        self.fix = fix
        self.timeout = timeout
        self.found = []
        self.unchecked = []

    def _add(self, kind, host, uuid, detail, fixer=None):
        fixed = False
        if self.fix and fixer is not None:
            try:
                fixer()
                fixed = True
            except Exception:  # noqa: BLE001 -- report it unfixed
                LOG.exception('cannot fix %s of %s', kind, uuid)
        self.found.append({'kind': kind, 'host': host, 'uuid': uuid,
                           'detail': detail, 'fixed': fixed})

    def run(self):
        ctx = self.ctx
        instances = {i['uuid']: i for i in instances_db.get_all(ctx)}
        allocations = recovery_db.get_allocations(ctx)
        self._check_allocations(instances, allocations)
        self._check_ports(instances)
        self._check_usage(instances, allocations)
        self._check_hosts(instances)
        return self.found

    # -- database ---------------------------------------------------------------
    def _check_allocations(self, instances, allocations):
        ctx = self.ctx
        held = {}
        for alloc in allocations:
            uuid = alloc['consumer_uuid']
            held[uuid] = alloc
            inst = instances.get(uuid)
            where = '%s (%s)' % (alloc['host'], alloc['nodename'])
            if inst is None:
                self._add('orphan allocation', alloc['host'], uuid,
                          'a claim on %s of no live instance' % where,
                          lambda u=uuid: placement.free(ctx, u))
            elif not _settled(inst):
                continue
            elif not inst['host']:
                self._add('allocation without host', alloc['host'], uuid,
                          'instance is %s with no host but holds a claim '
                          'on %s' % (inst['vm_state'], where),
                          lambda u=uuid: placement.free(ctx, u))
            elif (inst['host'], inst['node']) != (alloc['host'],
                                                  alloc['nodename']):
                self._add('allocation elsewhere', inst['host'], uuid,
                          'instance is on %s (%s), its claim on %s' % (
                              inst['host'], inst['node'], where))
        nodes = {(n['host'], n['hypervisor_hostname']): n
                 for n in placement.get_nodes_with_usage(ctx)}
        for uuid, inst in instances.items():
            if (uuid in held or not _settled(inst) or not inst['host'] or
                    inst['vm_state'] not in _WITH_GUEST):
                continue
            node = nodes.get((inst['host'], inst['node']))
            self._add('missing allocation', inst['host'], uuid,
                      'instance is %s on %s without a claim' % (
                          inst['vm_state'], inst['host']),
                      None if node is None else
                      lambda u=uuid, i=inst, n=node: self._claim(u, i, n))

    def _claim(self, uuid, inst, node):
        if not build.claim_on_node(
                self.ctx, uuid, node['uuid'],
                placement.resources_from_flavor(inst['flavor']), 10):
            raise RuntimeError('no room on %s' % node['uuid'])

    def _check_ports(self, instances):
        seen = set()
        for port_uuid, owner, address in recovery_db.get_port_owners(
                self.ctx):
            if owner in instances or owner in seen:
                continue
            seen.add(owner)
            self._add('orphan port', None, owner,
                      'port %s (%s) of no live instance' % (port_uuid,
                                                            address),
                      lambda u=owner: networks_db.delete_instance_ports(
                          self.ctx, u))

    def _check_usage(self, instances, allocations):
        """Each node's usage (the sum of its claims) against the flavors
        of the instances it holds claims for: a claim of another size than
        its instance's flavor is a mismatch."""
        for alloc in allocations:
            inst = instances.get(alloc['consumer_uuid'])
            if inst is None or not _settled(inst):
                continue
            want = placement.resources_from_flavor(inst['flavor'])
            have = {r: alloc[r] for r in placement.RESOURCES}
            if want != have:
                self._add('usage', alloc['host'], inst['uuid'],
                          'claim %s, flavor needs %s' % (have, want))

    # -- hosts ------------------------------------------------------------------
    def _check_hosts(self, instances):
        by_path = {}
        for svc in services_db.get_all(self.ctx, binary=COMPUTE_BINARY):
            host = svc['host']
            try:
                guests = self.compute.list_guests(self.ctx, host,
                                                  timeout=self.timeout)
            except Exception as exc:  # noqa: BLE001 -- down or no answer
                up = services_db.is_up(svc, self.conf.service_down_time)
                self.unchecked.append({
                    'host': host, 'up': up,
                    'error': str(exc).splitlines()[0] if str(exc) else
                    type(exc).__name__})
                continue
            self._check_domains(host, guests['domains'], instances)
            by_path.setdefault(guests['instances_path'], []).append(
                (host, set(guests['instance_dirs'])))
        for path, hosts in by_path.items():
            self._check_dirs(path, hosts, instances)

    def _check_domains(self, host, domains, instances):
        out_of_place = []
        for uuid, dom in sorted(domains.items()):
            if not dom['novalite']:
                continue    # not ours to judge
            inst = instances.get(uuid)
            if inst is not None and inst['host'] == host:
                continue
            if inst is not None and not _settled(inst):
                continue    # moving (reschedule): the reaper decides
            known = instances_db.get_by_uuids(self.ctx, [uuid],
                                              read_deleted='yes')
            if not known:
                self._add('unknown guest', host, uuid,
                          'a novalite domain of no known instance')
                continue
            out_of_place.append(uuid)
            self._add('guest out of place', host, uuid,
                      'domain of an instance %s' % (
                          'on host %s' % inst['host'] if inst else
                          'that is deleted'))
        if out_of_place and self.fix:
            self._reap(host, out_of_place)
        for uuid, inst in sorted(instances.items()):
            if (inst['host'] == host and _settled(inst) and
                    inst['vm_state'] in _WITH_GUEST and uuid not in domains):
                self._add('missing guest', host, uuid,
                          'instance is %s but its host has no domain' %
                          inst['vm_state'])

    def _reap(self, host, uuids):
        try:
            done = self.compute.reap_guests(self.ctx, host, uuids,
                                            timeout=self.timeout)
        except Exception:  # noqa: BLE001 -- reported unfixed
            LOG.exception('cannot reap guests on %s', host)
            return
        for row in self.found:
            if row['host'] == host and row['uuid'] in done:
                row['fixed'] = True

    def _check_dirs(self, path, hosts, instances):
        """Instance directories under one instances_path (shared by the
        agents in ``hosts`` when they run on one machine)."""
        names = [h for h, _d in hosts]
        dirs = set().union(*[d for _h, d in hosts])
        leftover = []
        for uuid in sorted(dirs):
            inst = instances.get(uuid)
            if inst is not None and (inst['host'] in names or
                                     not _settled(inst)):
                continue
            leftover.append(uuid)
            self._add('leftover disk', names[0], uuid,
                      'directory %s/%s of an instance %s' % (
                          path, uuid, 'on host %s' % inst['host']
                          if inst else 'that is not live'))
        if leftover and self.fix:
            self._reap(names[0], leftover)
