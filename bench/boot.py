"""Rally-style boot benchmark: boot servers one by one through the REST API
and time request → ACTIVE, beside the floor it cannot beat, an oslo.messaging
call round trip on the same broker, measured in the same run.

    python -m novalite.bench.boot --count 50 [--backend sqlite]
    python -m novalite.bench.boot --count 50 --hosts 1000   (simulated hosts)
    python -m novalite.bench.boot --real [--count 5]   (real QEMU guests)
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid

import requests
import sqlalchemy

from novalite.bench.runner import cli as runner_cli
from novalite.common import config
from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.tools import localcloud

POLL = 0.01


class _Echo:
    """RPC endpoint of the floor measurement."""

    def ping(self, ctxt, value):
        return value


def rpc_floor(conf_file, calls=200):
    """Round trip of one oslo.messaging call on the cloud's broker (s)."""
    conf = config.parse_args(['--config-file', conf_file])
    topic = 'novalite-bench-%s' % uuid.uuid4().hex[:6]
    server = rpc.get_server(conf, topic, 'bench', '1.0', [_Echo()],
                            exposed_only=False)
    server.start()
    try:
        client = rpc.get_client(conf, topic, '1.0')
        ctx = nl_context.get_admin_context()
        client.call(ctx, 'ping', value=0)   # warm up the reply queue
        samples = []
        for i in range(calls):
            began = time.perf_counter()
            client.call(ctx, 'ping', value=i)
            samples.append(time.perf_counter() - began)
        return samples
    finally:
        server.stop()
        server.wait()


def select_destinations_times(conf_file, db_url, calls=100):
    """Round trip of ``scheduler.select_destinations`` (filters, weighers,
    the claim and its alternates, over RPC) for one instance, on the
    cloud's hosts as they are, with the request spec of a server booted
    before (s each). Each claim is dropped again."""
    from novalite.scheduler import rpcapi as scheduler_rpcapi
    conf = config.parse_args(['--config-file', conf_file])
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                'SELECT spec FROM request_specs ORDER BY id DESC LIMIT 1'
            ).fetchone()
        if row is None:
            raise RuntimeError('no request spec to schedule with')
        spec = row[0] if isinstance(row[0], dict) else json.loads(row[0])
        scheduler = scheduler_rpcapi.SchedulerAPI(conf)
        ctx = nl_context.get_admin_context()
        samples = []
        for i in range(calls + 1):
            consumer = str(uuid.uuid4())
            spec = dict(spec, instance_uuids=[consumer], num_instances=1)
            began = time.perf_counter()
            scheduler.select_destinations(ctx, spec, [consumer],
                                          return_alternates=True)
            if i:               # the first warms up the reply queue
                samples.append(time.perf_counter() - began)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    'DELETE FROM allocations WHERE consumer_uuid = '
                    "'%s'" % consumer)
        return samples
    finally:
        engine.dispose()


def process_usage(pid, idle=5.0):
    """RSS (MB), threads, RabbitMQ connections and CPU (cores, averaged
    over ``idle`` seconds) of process ``pid``."""
    import psutil
    proc = psutil.Process(pid)
    before = proc.cpu_times()
    time.sleep(idle)
    after = proc.cpu_times()
    return {'rss_mb': proc.memory_info().rss / 2.0 ** 20,
            'threads': proc.num_threads(),
            'amqp_connections': sum(
                1 for c in proc.net_connections(kind='tcp')
                if c.raddr and c.raddr.port == 5672),
            'cpu': (after.user + after.system - before.user -
                    before.system) / idle}


def _percentile(samples, pct):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100.0 *
                                                   (len(ordered) - 1))))]


def summary(samples):
    return {'p50': statistics.median(samples), 'p90': _percentile(samples, 90),
            'max': max(samples), 'n': len(samples)}


def boot_serially(endpoint, count, image_id, network_id, flavor='42',
                  keep=False):
    """request → ACTIVE for ``count`` servers, one at a time (s each);
    then deleted unless ``keep``."""
    http = requests.Session()
    http.headers.update({'X-Auth-Token': 'admin:admin'})
    latencies = []
    for i in range(count):
        body = {'server': {'name': 'bench-%d' % i, 'imageRef': image_id,
                           'flavorRef': flavor,
                           'networks': [{'uuid': network_id}]}}
        began = time.perf_counter()
        rsp = http.post(endpoint + '/v2.1/servers', json=body)
        rsp.raise_for_status()
        server_id = rsp.json()['server']['id']
        while True:
            # novalite's long poll answers as soon as the server is ACTIVE
            # (api/server_wait.py); the loop stays for the ERROR case.
            status = http.get(endpoint + '/v2.1/servers/' + server_id,
                              params={'wait_for': 'ACTIVE'}
                              ).json()['server']['status']
            if status == 'ACTIVE':
                break
            if status == 'ERROR':
                raise RuntimeError('bench server %s went to ERROR' % server_id)
            time.sleep(POLL)
        latencies.append(time.perf_counter() - began)
    if not keep:
        delete_all(endpoint)
    return latencies


def delete_all(endpoint, wait=0):
    """Delete every server; with ``wait``, until they are gone (at most
    ``wait`` s), so the cloud stops with no delete in flight."""
    http = requests.Session()
    http.headers.update({'X-Auth-Token': 'admin:admin'})
    for server in http.get(endpoint + '/v2.1/servers').json()['servers']:
        http.delete(endpoint + '/v2.1/servers/' + server['id'])
    deadline = time.monotonic() + wait
    while wait and time.monotonic() < deadline and http.get(
            endpoint + '/v2.1/servers', params={'limit': 1}
    ).json()['servers']:
        time.sleep(0.1)


def _seed(endpoint):
    http = requests.Session()
    http.headers.update({'X-Auth-Token': 'admin:admin'})
    image = http.post(endpoint + '/image/v2/images', json={
        'name': 'bench', 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'public'}).json()
    http.put(endpoint + '/image/v2/images/%s/file' % image['id'],
             data=b'\0' * 65536,
             headers={'Content-Type': 'application/octet-stream'}
             ).raise_for_status()
    network = http.get(endpoint + '/v2.1/os-networks').json()['networks'][0]
    return image['id'], network['id']


def fill(endpoint, existing, image_id, network_id, flavor='42',
         batch=200, timeout=600):
    """Boot ``existing`` servers (multi-create, ``batch`` per request) and
    wait until none is building: the cloud a "flat in the number of
    servers" measurement boots into."""
    http = requests.Session()
    http.headers.update({'X-Auth-Token': 'admin:admin'})
    left = existing
    while left > 0:
        n = min(batch, left)
        rsp = http.post(endpoint + '/v2.1/servers', json={'server': {
            'name': 'filler', 'imageRef': image_id, 'flavorRef': flavor,
            'min_count': n, 'max_count': n,
            'networks': [{'uuid': network_id}]}})
        if rsp.status_code != 202:
            raise RuntimeError('filling the cloud: %s %s' % (
                rsp.status_code, rsp.text))
        left -= n
    deadline = time.monotonic() + timeout
    while http.get(endpoint + '/v2.1/servers', params={
            'status': 'BUILD', 'limit': 1}).json()['servers']:
        if time.monotonic() > deadline:
            raise RuntimeError('filler servers still building after %ss'
                               % timeout)
        time.sleep(0.5)
    errors = http.get(endpoint + '/v2.1/servers', params={
        'status': 'ERROR'}).json()['servers']
    if errors:
        raise RuntimeError('%d filler servers went to ERROR' % len(errors))


def run(count, backend, hosts, existing=0, simulate=False):
    """Boot ``count`` servers one by one on ``hosts`` compute hosts (more
    than 16, or ``simulate``: simulated hosts in one process).

    :returns: (RPC floor, boots, select_destinations) summaries and
        ``usage``: the simulated-hosts process's :func:`process_usage`
        idle after start and after the boots, and the cloud's start time.
    """
    state = tempfile.mkdtemp(prefix='novalite-bench-')
    # Room for the filler servers: one project, hosts of the test driver.
    extra = {'quota': {'instances': str(existing + count + 10),
                       'cores': str(16 * (existing + count + 10))},
             'compute': {'cpu_allocation_ratio': '1000',
                         'ram_allocation_ratio': '1000',
                         'disk_allocation_ratio': '1000'},
             # Addresses for them all (libvirt's test driver: no bridge).
             'network': {'default_cidr': '10.96.0.0/16'}}
    layout = runner_cli.compute_layout(hosts, simulate)
    usage = {}
    began = time.monotonic()
    with localcloud.disposable_cloud(
            backend, state, vhost_prefix='novalite-bench',
            on_teardown=rpc.cleanup, extra_conf=extra,
            **layout) as cloud:
        usage['ready_s'] = time.monotonic() - began
        sim = cloud.procs.get('compute-' + layout.get('sim_prefix', ''))
        if sim is not None:
            usage['idle'] = process_usage(sim.pid)
        image_id, network_id = _seed(cloud.endpoint)
        if existing:
            fill(cloud.endpoint, existing, image_id, network_id)
        floor = summary(rpc_floor(cloud.conf_file))
        boots = summary(boot_serially(cloud.endpoint, count, image_id,
                                      network_id, keep=True))
        select = summary(select_destinations_times(cloud.conf_file,
                                                   cloud.db_url))
        if sim is not None:
            usage['after boots'] = process_usage(sim.pid)
        delete_all(cloud.endpoint, wait=60)
    return floor, boots, select, usage


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=50)
    parser.add_argument('--backend', default='sqlite',
                        choices=['sqlite', 'mysql', 'postgresql'])
    parser.add_argument('--hosts', type=int, default=2,
                        help='compute hosts (1..%d; more than %d run as '
                             'simulated hosts in one process)' % (
                                 runner_cli.MAX_HOSTS,
                                 runner_cli.PROCESS_HOSTS))
    parser.add_argument('--simulate-hosts', action='store_true',
                        help='simulated hosts in one process even for few '
                             '--hosts')
    parser.add_argument('--existing', type=int, default=0,
                        help='servers booted (and ACTIVE) before measuring, '
                             'in the same project')
    parser.add_argument('--real', action='store_true',
                        help='real-guest mode: QEMU guests, request → marker '
                             'on the console against a raw `virsh create` '
                             '(bench/real_guest.py; --count defaults to 5)')
    args, rest = parser.parse_known_args(argv)
    if args.real:
        from novalite.bench import real_guest
        count = args.count if '--count' in (argv or sys.argv) else 5
        return real_guest.main(['--count', str(count)] + rest)
    if rest:
        parser.error('unrecognized arguments: %s' % ' '.join(rest))
    if not 1 <= args.hosts <= runner_cli.MAX_HOSTS:
        parser.error('--hosts must be 1..%d' % runner_cli.MAX_HOSTS)
    floor, boots, select, usage = run(args.count, args.backend, args.hosts,
                                      args.existing, args.simulate_hosts)
    ms = lambda s: '%.1f ms' % (s * 1000)  # noqa: E731
    print('| measurement | n | p50 | p90 | max | p50 / RPC floor |')
    print('|---|---|---|---|---|---|')
    print('| oslo.messaging call round trip (floor) | %d | %s | %s | %s | 1.0 |'
          % (floor['n'], ms(floor['p50']), ms(floor['p90']), ms(floor['max'])))
    print('| boot request → ACTIVE (%s, libvirt test driver, %d servers '
          'before) | %d | %s | %s | %s | %.1f |' % (
              args.backend, args.existing, boots['n'], ms(boots['p50']),
                             ms(boots['p90']), ms(boots['max']),
                             boots['p50'] / floor['p50']))
    print('| scheduler select_destinations call (%d hosts) | %d | %s | %s | '
          '%s | %.1f |' % (args.hosts, select['n'], ms(select['p50']),
                           ms(select['p90']), ms(select['max']),
                           select['p50'] / floor['p50']))
    print('\ncloud ready in %.1f s' % usage['ready_s'])
    for when in ('idle', 'after boots'):
        if when in usage:
            u = usage[when]
            print('simulated-hosts process (%d hosts), %s: RSS %.0f MB, '
                  '%d threads, %d RabbitMQ connections, CPU %.2f cores'
                  % (args.hosts, when, u['rss_mb'], u['threads'],
                     u['amqp_connections'], u['cpu']))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
