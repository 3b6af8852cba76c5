"""novalite-manage audit (conductor/audit.py, cli/manage_audit.py) on a real
SQLite database; the compute agents' side (list_guests, reap_guests) is a
double answering as the agent does (the real methods are tested in
tests/unit/compute/test_manager.py and functionally in test_chaos.py)."""

import io
import json

from novalite.cli import manage
from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common.db import placement
from novalite.common import exception
from novalite.common import states
from novalite.conductor import audit
from novalite.tests.unit.conductor.test_build import _boot
from novalite.tests.unit.scheduler import fakes


class Agents:
    """list_guests / reap_guests of compute agents, by host."""

    def __init__(self, guests, path='/srv/instances'):
        self.guests = guests        # host -> {uuid: novalite?}
        self.dirs = {}              # host -> set of uuids
        self.path = path
        self.reaped = []
        self.down = set()

    def list_guests(self, ctxt, host, timeout=None):
        if host in self.down:
            raise exception.HypervisorUnavailable(host=host)
        return {'host': host, 'instances_path': self.path,
                'domains': {u: {'novalite': mine, 'power_state': 1}
                            for u, mine in self.guests.get(host, {}).items()},
                'instance_dirs': sorted(self.dirs.get(host, ()))}

    def reap_guests(self, ctxt, host, instance_uuids, timeout=None):
        self.reaped.append((host, sorted(instance_uuids)))
        for uuid in instance_uuids:
            self.guests.get(host, {}).pop(uuid, None)
            self.dirs.get(host, set()).discard(uuid)
        return {u: 'the instance is deleted' for u in instance_uuids}


def _active_on(ctx, uuid, host, claim=True):
    node = [n for n in placement.get_nodes_with_usage(ctx)
            if n['host'] == host][0]
    if claim:
        placement.claim(ctx, uuid, node['id'], node['generation'],
                        placement.resources_from_flavor(fakes.FLAVOR))
    instances_db.update(ctx, uuid, {'host': host, 'node': host,
                                    'vm_state': states.ACTIVE,
                                    'task_state': None})


def _kinds(found):
    return sorted((r['kind'], r['uuid']) for r in found)


def test_clean_cloud_has_no_mismatch(db, ctx):
    fakes.add_compute(ctx, 'h1')
    uuids, _spec = _boot(ctx, 2)
    for uuid in uuids:
        _active_on(ctx, uuid, 'h1')
    agents = Agents({'h1': {u: True for u in uuids}})
    agents.guests['h1']['stranger'] = False     # not novalite's: ignored
    agents.dirs['h1'] = set(uuids)
    run = audit.Audit(db, ctx, agents)
    assert run.run() == [] and run.unchecked == []


def test_every_mismatch_is_listed_then_fixed(db, ctx):
    fakes.add_compute(ctx, 'h1')
    fakes.add_compute(ctx, 'h2')
    net = networks_db.create_network(ctx, 'private', '10.0.0.0/24')
    uuids, _spec = _boot(ctx, 5, networks=[net['uuid']])
    ok, unclaimed, vanished, gone, building = uuids
    for uuid in (ok, vanished, gone):
        _active_on(ctx, uuid, 'h1')
    _active_on(ctx, unclaimed, 'h1', claim=False)
    # Deleted behind the agent's back, leaving its claim, port, guest and
    # disk (a conductor or agent died half-way).
    alloc_gone = placement.get_allocation(ctx, gone)
    instances_db.destroy(ctx, gone)
    node = placement.get_node_by_uuid(ctx, alloc_gone['compute_node_uuid'])
    placement.claim(ctx, gone, node['id'], node['generation'],
                    placement.resources_from_flavor(fakes.FLAVOR))
    networks_db.allocate_ports(ctx, gone, [net['uuid']])
    assert networks_db.get_instance_ports(ctx, gone)
    # A guest of an instance still building elsewhere is in flux: not
    # judged (the reaper and the recovery pass handle it).
    agents = Agents({'h1': {ok: True, unclaimed: True, gone: True,
                            building: True}})
    agents.dirs['h1'] = {ok, unclaimed, gone}
    run = audit.Audit(db, ctx, agents)
    found = run.run()
    assert _kinds(found) == sorted([
        ('orphan allocation', gone), ('orphan port', gone),
        ('missing allocation', unclaimed), ('missing guest', vanished),
        ('guest out of place', gone), ('leftover disk', gone)])
    assert not any(r['fixed'] for r in found)
    assert agents.reaped == []                   # read-only
    assert placement.get_allocation(ctx, gone) is not None

    fixed = audit.Audit(db, ctx, agents, fix=True).run()
    assert {r['kind'] for r in fixed if not r['fixed']} == {
        'missing guest'}                         # cannot be made up
    assert placement.get_allocation(ctx, gone) is None
    assert networks_db.get_instance_ports(ctx, gone) == []
    assert placement.get_allocation(ctx, unclaimed)['host'] == 'h1'
    again = audit.Audit(db, ctx, agents).run()
    assert _kinds(again) == [('missing guest', vanished)]


def test_cli_exit_codes_and_unanswered_host(db, ctx, monkeypatch, tmp_path):
    fakes.add_compute(ctx, 'h1')
    agents = Agents({})
    monkeypatch.setattr('novalite.compute.rpcapi.ComputeAPI',
                        lambda conf: agents)
    conf_file = tmp_path / 'n.conf'
    conf_file.write_text('[database]\nconnection = %s\n[DEFAULT]\n'
                         'transport_url = fake:/\n'
                         % db.database.connection)
    out = io.StringIO()
    argv = ['--config-file', str(conf_file), '--format', 'json', 'audit']
    assert manage.main(argv, out=out) == 0
    assert json.loads(out.getvalue()) == []
    agents.down.add('h1')
    out = io.StringIO()
    assert manage.main(argv, out=out) == 1
    (row,) = json.loads(out.getvalue())
    assert (row['kind'], row['host']) == ('host not checked', 'h1')
