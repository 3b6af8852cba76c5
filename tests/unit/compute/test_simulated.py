"""Simulated compute hosts in one process (compute/simulated.py): each a
ComputeManager with its own host name, config view and private libvirt
test-driver node; their periodic work on one ticker."""

import threading
import time

import libvirt
import pytest

from novalite.cli import compute as compute_cli
from novalite.common import context as nl_context
from novalite.compute import rpcapi as compute_rpcapi
from novalite.compute import simulated
from novalite.tests.unit.compute import fakes
from novalite.tools import localcloud

DOMAIN = ('<domain type="test"><name>%s</name><uuid>%s</uuid>'
          '<memory>65536</memory><os><type>hvm</type></os></domain>')


class Conductor(fakes.ConductorDouble):
    """The conductor double plus the heartbeat the service runner sends."""

    def service_heartbeat(self, ctxt, host, binary, topic):
        self._record('service_heartbeat', host=host, binary=binary,
                     topic=topic)

    def service_heartbeats(self, ctxt, services):
        self._record('service_heartbeats', services=services)


def test_host_names_sort_and_widen():
    assert simulated.host_names('sim', 3) == ['sim-0001', 'sim-0002',
                                              'sim-0003']
    names = simulated.host_names('h', 12345)
    assert names[0] == 'h-00001' and names[-1] == 'h-12345'
    assert names == sorted(names)


def test_node_spec_xml_and_limits():
    xml = simulated.NodeSpec(vcpus=3, memory_mb=2048).node_xml()
    assert '<cores>3</cores>' in xml and '<memory>2097152</memory>' in xml
    with pytest.raises(ValueError):
        simulated.NodeSpec(vcpus=0)


def test_host_conf_overrides_host_and_libvirt_only(conf):
    view = simulated.HostConf(conf, 'sim-0007',
                              {'connection_uri': 'test:///x.xml'})
    assert view.host == 'sim-0007' and conf.host == 'unit-host'
    assert view.libvirt.connection_uri == 'test:///x.xml'
    assert view['libvirt']['connection_uri'] == 'test:///x.xml'
    assert view.libvirt.virt_type == conf.libvirt.virt_type
    assert view.compute.resource_update_interval == \
        conf.compute.resource_update_interval
    # A later change of the process's options (a reload) shows through.
    conf.set_override('report_interval', 97)
    try:
        assert view.report_interval == 97
    finally:
        conf.clear_override('report_interval')


def test_test_default_is_shared_but_node_files_are_private(tmp_path):
    """The libvirt fact the design rests on."""
    node = tmp_path / 'node.xml'
    node.write_text(simulated.NodeSpec().node_xml())
    a = libvirt.open('test:///default')
    b = libvirt.open('test:///default')
    c = libvirt.open('test://%s' % node)
    d = libvirt.open('test://%s' % node)
    try:
        dom = a.defineXML(DOMAIN % ('sim-shared', 'a' * 8 + '-1111-2222-'
                                    '3333-' + 'b' * 12))
        try:
            assert 'sim-shared' in [x.name() for x in b.listAllDomains()]
        finally:
            dom.undefine()
        c.defineXML(DOMAIN % ('sim-private', 'c' * 8 + '-1111-2222-'
                              '3333-' + 'd' * 12))
        assert [x.name() for x in c.listAllDomains()] == ['sim-private']
        assert d.listAllDomains() == []
    finally:
        for conn in (a, b, c, d):
            conn.close()


def _agent(conf, tmp_path, host, conductor, node=None):
    return simulated.Agent(conf, host, str(tmp_path / 'sim'),
                           node or simulated.NodeSpec(2, 1024, 10),
                           conductor, image_client=None)


def test_agents_report_their_own_node_and_see_only_their_guests(
        conf, tmp_path):
    conductor = Conductor()
    one = _agent(conf, tmp_path, 'sim-0001', conductor)
    two = _agent(conf, tmp_path, 'sim-0002', conductor,
                 simulated.NodeSpec(4, 4096, 20))
    try:
        for agent in (one, two):
            agent.manager.init_host()
        reports = {c['host']: c for c in conductor.called(
            'compute_node_update')}
        assert reports['sim-0001']['nodename'] == 'sim-0001'
        res = reports['sim-0001']['resources']
        assert (res['vcpus'], res['memory_mb'], res['local_gb']) == (
            2, 1024, 10)
        res = reports['sim-0002']['resources']
        assert (res['vcpus'], res['memory_mb'], res['local_gb']) == (
            4, 4096, 20)
        assert {c['host'] for c in conductor.called(
            'instance_get_all_by_host')} == {'sim-0001', 'sim-0002'}

        uuid = '1' * 8 + '-1111-2222-3333-' + '4' * 12
        one.driver.host.get_connection().defineXML(DOMAIN % ('guest', uuid))
        ctx = nl_context.get_admin_context()
        assert set(one.manager.list_guests(ctx)['domains']) == {uuid}
        assert two.manager.list_guests(ctx)['domains'] == {}
        assert one.manager.list_guests(ctx)['host'] == 'sim-0001'
        assert (one.driver.instances_path !=
                two.driver.instances_path)
    finally:
        for agent in (one, two):
            agent.manager.cleanup_host()


def test_agent_tasks_are_heartbeat_then_the_managers(conf, tmp_path):
    conductor = Conductor()
    agent = _agent(conf, tmp_path, 'sim-0003', conductor)
    tasks = agent.tasks()
    assert len(tasks) == 1 + len(agent.manager.periodic_tasks())
    interval, beat = tasks[0]
    assert interval() == conf.report_interval
    beat(nl_context.get_admin_context())
    assert conductor.called('service_heartbeat') == [{
        'host': 'sim-0003', 'binary': 'novalite-compute',
        'topic': 'novalite-compute'}]
    conf.set_override('resource_update_interval', 7, group='compute')
    try:
        assert tasks[1][0]() == 7
    finally:
        conf.clear_override('resource_update_interval', group='compute')
    # Beaten for by SimulatedHosts: the manager's tasks only.
    assert [t for _i, t in agent.tasks(heartbeat=False)] == [
        t for _i, t in tasks[1:]]


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_ticker_due_runs_each_task_at_its_phase_then_every_interval():
    clock = FakeClock()
    ticker = simulated.Ticker(workers=1, clock=clock)
    try:
        ticker.add(lambda: 10, 'a', first_delay=0)
        ticker.add(lambda: 10, 'b', first_delay=5)
        assert [t for _s, t, _n in ticker.due()] == ['a']
        ticker._running.clear()
        clock.now = 105
        assert [t for _s, t, _n in ticker.due()] == ['b']
        ticker._running.clear()
        clock.now = 109
        assert ticker.due() == []
        clock.now = 110
        assert [t for _s, t, _n in ticker.due()] == ['a']
        # 'a' still running when it falls due again: skipped that time.
        clock.now = 120
        assert [t for _s, t, _n in ticker.due()] == ['b']
    finally:
        ticker.stop()


def test_ticker_runs_tasks_on_its_pool_and_stops():
    ticker = simulated.Ticker(workers=2)
    ran = []
    done = threading.Event()

    def task(ctx):
        ran.append(ctx)
        if len(ran) >= 3:
            done.set()

    ticker.add(lambda: 0.01, task, first_delay=0, name='t')
    ticker.add(lambda: 0.01, lambda ctx: 1 / 0, first_delay=0, name='bad')
    ticker.start()
    assert done.wait(5)
    ticker.stop()
    count = len(ran)
    time.sleep(0.05)
    assert len(ran) == count


def test_simulated_hosts_serve_rpc_each_as_its_host(conf, tmp_path,
                                                    monkeypatch):
    conductor = Conductor()
    monkeypatch.setattr(simulated.conductor_rpcapi, 'ConductorAPI',
                        lambda _conf: conductor)
    hosts = simulated.SimulatedHosts(
        conf, 3, prefix='u', node=simulated.NodeSpec(2, 1024, 10),
        state_dir=str(tmp_path / 'sim'), start_workers=2)
    hosts.start()
    try:
        assert sorted({c['host'] for c in conductor.called(
            'service_heartbeat')}) == ['u-0001', 'u-0002', 'u-0003']
        # Then every host's heartbeat in one call per report interval.
        hosts.heartbeats(nl_context.get_admin_context())
        assert conductor.called('service_heartbeats') == [{'services': [
            [h, 'novalite-compute', 'novalite-compute']
            for h in ('u-0001', 'u-0002', 'u-0003')]}]
        assert [name for *_x, name in hosts.ticker._heap].count(
            'heartbeats') == 1
        api = compute_rpcapi.ComputeAPI(conf)
        ctx = nl_context.get_admin_context()
        for host in hosts.hosts:
            answer = api.list_guests(ctx, host, timeout=5)
            assert answer['host'] == host
            assert answer['domains'] == {}
    finally:
        hosts.stop()
    assert all(a.driver.host._conn is None for a in hosts.agents)


def test_cli_takes_simulation_options_and_leaves_the_rest():
    sim, rest = compute_cli._sim_parser().parse_known_args(
        ['--config-file', 'a.conf', '--simulate-hosts', '50',
         '--host-prefix', 'bench', '--sim-vcpus', '4', '--debug'])
    assert (sim.simulate_hosts, sim.host_prefix, sim.sim_vcpus) == (
        50, 'bench', 4)
    assert rest == ['--config-file', 'a.conf', '--debug']
    sim, rest = compute_cli._sim_parser().parse_known_args(
        ['--config-file', 'a.conf'])
    assert sim.simulate_hosts == 0 and rest == ['--config-file', 'a.conf']


def test_localcloud_runs_simulated_hosts_in_one_process(tmp_path):
    cloud = localcloud.LocalCloud(
        str(tmp_path), 'sqlite://', compute_hosts=['c1'],
        simulated_hosts=250, sim_prefix='s',
        sim_node={'vcpus': 4, 'memory_mb': 8192})
    cloud.write_config()
    cmds = cloud._commands()
    sim = cmds['compute-s']
    assert sim[sim.index('--simulate-hosts') + 1] == '250'
    assert sim[sim.index('--host-prefix') + 1] == 's'
    assert sim[sim.index('--sim-vcpus') + 1] == '4'
    assert sim[sim.index('--sim-memory-mb') + 1] == '8192'
    assert '--sim-disk-gb' not in sim
    assert 'compute-c1' in cmds
    assert cloud.all_compute_hosts[:2] == ['c1', 's-0001']
    assert len(cloud.all_compute_hosts) == 251
    # 250 hosts beat every 3 s (<= ~100 beats/s); down after 3 missed.
    host_conf = open(sim[sim.index('--simulate-hosts') - 1]).read()
    assert 'report_interval = 3' in host_conf
    assert 'service_down_time = 20' in open(cloud.conf_file).read()
    big = localcloud.LocalCloud(str(tmp_path / 'big'), 'sqlite://',
                                compute_hosts=[], simulated_hosts=1000)
    big.write_config()
    assert 'service_down_time = 30' in open(big.conf_file).read()


def test_lifecycle_events_reach_their_own_host_only(conf, tmp_path):
    shared = simulated.SharedLifecycle()
    agents = [simulated.Agent(conf, host, str(tmp_path / 'sim'),
                              simulated.NodeSpec(2, 1024, 10), Conductor(),
                              image_client=None, lifecycle=shared)
              for host in ('sim-0001', 'sim-0002')]
    seen = {'sim-0001': [], 'sim-0002': []}
    got = threading.Event()
    for agent in agents:
        def handler(uuid, power_state, host=agent.host):
            seen[host].append((uuid, power_state))
            got.set()
        agent.driver.register_lifecycle_handler(handler)
        agent.driver.host.connect()
    try:
        uuid = '5' * 8 + '-1111-2222-3333-' + '6' * 12
        conn = agents[1].driver.host.get_connection()
        conn.defineXML(DOMAIN % ('evented', uuid)).create()
        assert got.wait(5)
        time.sleep(0.2)
        assert seen['sim-0001'] == []
        assert seen['sim-0002'] == [(uuid, 1)]
    finally:
        for agent in agents:
            agent.manager.cleanup_host()


def test_localcloud_refuses_simulated_hosts_on_a_nearly_full_broker(
        tmp_path, monkeypatch):
    cloud = localcloud.LocalCloud(str(tmp_path), 'sqlite://',
                                  compute_hosts=[], simulated_hosts=1000)
    monkeypatch.setattr(localcloud, 'broker_sockets', lambda: (760, 832))
    with pytest.raises(RuntimeError, match='760 of 832 sockets in use'):
        cloud.start()
    assert cloud.procs == {}
    # 1 000 hosts share one connection: an ordinary broker takes them.
    monkeypatch.setattr(localcloud, 'broker_sockets', lambda: (40, 832))
    cloud.check_broker_capacity()
    monkeypatch.setattr(localcloud, 'broker_sockets', lambda: None)
    cloud.check_broker_capacity()
