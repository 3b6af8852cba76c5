"""``rpc.get_host_servers`` on the real RabbitMQ: one server, one broker
connection and one poll thread for many hosts of a topic (simulated compute
hosts; 1 000 oslo.messaging servers of their own exhausted this machine's
broker), yet every message still reaches exactly the host it names, and a
fanout cast reaches every host."""

import threading
import time
import uuid

import psutil
import pytest

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.tools import localcloud

HOSTS = 40


class Endpoint:
    target = rpc.target('1.0')

    def __init__(self, host, seen):
        self.host = host
        self.seen = seen

    @rpc.expose
    def whoami(self, ctxt, value):
        return {'host': self.host, 'value': value}

    @rpc.expose
    def refresh(self, ctxt, group, hosts=None):
        self.seen.append((self.host, group))

    def not_exposed(self, ctxt):
        return 'leak'


@pytest.fixture
def conf():
    vhost = 'novalite-test-rpc-%s' % uuid.uuid4().hex[:8]
    localcloud.rabbitmqctl('add_vhost', vhost)
    localcloud.rabbitmqctl('set_permissions', '-p', vhost, 'guest',
                           '.*', '.*', '.*')
    conf = config.parse_args([])
    conf.set_override('transport_url', localcloud.RABBIT + vhost)
    yield conf
    rpc.cleanup()
    # The process's ConfigOpts: later tests read transport_url from their
    # own config files.
    conf.clear_override('transport_url')
    localcloud.rabbitmqctl('delete_vhost', vhost)


def _broker_connections():
    return sum(1 for c in psutil.Process().net_connections(kind='tcp')
               if c.raddr and c.raddr.port == 5672
               and c.status == psutil.CONN_ESTABLISHED)


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.05)


def test_one_connection_serves_every_host_as_itself(conf):
    seen = []
    hosts = ['many-%03d' % i for i in range(HOSTS)]
    threads = threading.active_count()
    before = _broker_connections()
    servers = rpc.get_host_servers(
        conf, 'novalite-test', '1.0',
        {h: [Endpoint(h, seen)] for h in hosts})
    for server in servers:
        server.start(override_pool_size=4)
    try:
        assert len(servers) == 1
        assert _broker_connections() - before == 1
        assert threading.active_count() - threads <= 2   # poll + ack
        ctx = nl_context.get_admin_context()
        for i, host in enumerate(hosts):
            client = rpc.get_client(conf, 'novalite-test', '1.0',
                                    server=host)
            assert client.call(ctx, 'whoami', value=i) == {
                'host': host, 'value': i}
        # A fanout cast: each host once.
        rpc.get_client(conf, 'novalite-test', '1.0').prepare(
            fanout=True).cast(ctx, 'refresh', group='g1')
        _wait_for(lambda: len(seen) >= HOSTS)
        time.sleep(0.2)
        assert sorted(seen) == sorted((h, 'g1') for h in hosts)
        # A fanout naming its hosts: only those of them here get it
        # (not 40 dispatches for 2), whatever else the list holds.
        del seen[:]
        rpc.get_client(conf, 'novalite-test', '1.0').prepare(
            fanout=True).cast(ctx, 'refresh', group='g2', hosts=[
                hosts[3], 'elsewhere', hosts[7], ['junk']])
        _wait_for(lambda: len(seen) >= 2)
        time.sleep(0.3)
        assert sorted(seen) == [(hosts[3], 'g2'), (hosts[7], 'g2')]
        # Only exposed methods, as get_server serves them.
        client = rpc.get_client(conf, 'novalite-test', '1.0',
                                server=hosts[0])
        with pytest.raises(rpc.RemoteError) as err:
            client.call(ctx, 'not_exposed')
        assert err.value.exc_type == 'NoSuchMethod'
    finally:
        for server in servers:
            server.stop()
            server.wait()


class Refreshes:
    target = rpc.target('1.5')

    def __init__(self, host, seen):
        self.host = host
        self.seen = seen

    @rpc.expose
    def refresh_security_groups(self, ctxt, groups, ports=None, hosts=None):
        self.seen.append((self.host, sorted(groups), hosts))


def test_security_group_refresh_is_one_cast_to_one_or_many_hosts(conf):
    """ComputeAPI.refresh_security_groups: a change for one host goes to
    that host only; for several, one fanout cast reaches every compute
    agent (each ignores groups it has no port in) instead of one cast,
    and one broker confirm, per host."""
    from novalite.compute import rpcapi as compute_rpcapi
    seen = []
    servers = [rpc.get_server(conf, compute_rpcapi.TOPIC, host, '1.5',
                              [Refreshes(host, seen)])
               for host in ('a', 'b', 'c')]
    for server in servers:
        server.start()
    try:
        api = compute_rpcapi.ComputeAPI(conf)
        ctx = nl_context.get_admin_context()
        api.refresh_security_groups(ctx, ['b'], {'g1': []})
        _wait_for(lambda: len(seen) >= 1)
        time.sleep(0.3)
        assert seen == [('b', ['g1'], None)]
        del seen[:]
        api.refresh_security_groups(ctx, {'a', 'b'}, {'g2': []})
        _wait_for(lambda: len(seen) >= 3)
        time.sleep(0.3)
        # Every agent gets the fanout, naming the hosts it is for (the
        # compute manager of another host drops it).
        assert sorted(seen) == [(h, ['g2'], ['a', 'b']) for h in 'abc']
        api.refresh_security_groups(ctx, [], {'g3': []})   # nobody: no cast
        time.sleep(0.3)
        assert len(seen) == 3
    finally:
        for server in servers:
            server.stop()
            server.wait()
