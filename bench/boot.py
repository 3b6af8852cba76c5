"""Rally-style boot benchmark: boot servers one by one through the REST API
and time request → ACTIVE, beside the floor it cannot beat, an oslo.messaging
call round trip on the same broker, measured in the same run.

    python -m novalite.bench.boot --count 50 [--backend sqlite]
    python -m novalite.bench.boot --real [--count 5]   (real QEMU guests)
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid

import requests

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


def _percentile(samples, pct):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100.0 *
                                                   (len(ordered) - 1))))]


def summary(samples):
    return {'p50': statistics.median(samples), 'p90': _percentile(samples, 90),
            'max': max(samples), 'n': len(samples)}


def boot_serially(endpoint, count, image_id, network_id, flavor='42'):
    """request → ACTIVE for ``count`` servers, one at a time (s each)."""
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
            status = http.get(endpoint + '/v2.1/servers/' + server_id
                              ).json()['server']['status']
            if status == 'ACTIVE':
                break
            if status == 'ERROR':
                raise RuntimeError('bench server %s went to ERROR' % server_id)
            time.sleep(POLL)
        latencies.append(time.perf_counter() - began)
    for server in http.get(endpoint + '/v2.1/servers').json()['servers']:
        http.delete(endpoint + '/v2.1/servers/' + server['id'])
    return latencies


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


def run(count, backend, hosts):
    state = tempfile.mkdtemp(prefix='novalite-bench-')
    with localcloud.disposable_cloud(
            backend, state, vhost_prefix='novalite-bench',
            compute_hosts=['bench%d' % i for i in range(hosts)],
            on_teardown=rpc.cleanup) as cloud:
        image_id, network_id = _seed(cloud.endpoint)
        floor = summary(rpc_floor(cloud.conf_file))
        boots = summary(boot_serially(cloud.endpoint, count, image_id,
                                      network_id))
    return floor, boots


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=50)
    parser.add_argument('--backend', default='sqlite',
                        choices=['sqlite', 'mysql', 'postgresql'])
    parser.add_argument('--hosts', type=int, default=2)
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
    floor, boots = run(args.count, args.backend, args.hosts)
    ms = lambda s: '%.1f ms' % (s * 1000)  # noqa: E731
    print('| measurement | n | p50 | p90 | max | p50 / RPC floor |')
    print('|---|---|---|---|---|---|')
    print('| oslo.messaging call round trip (floor) | %d | %s | %s | %s | 1.0 |'
          % (floor['n'], ms(floor['p50']), ms(floor['p90']), ms(floor['max'])))
    print('| boot request → ACTIVE (%s, libvirt test driver) | %d | %s | %s '
          '| %s | %.1f |' % (args.backend, boots['n'], ms(boots['p50']),
                             ms(boots['p90']), ms(boots['max']),
                             boots['p50'] / floor['p50']))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
