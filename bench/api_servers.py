"""The compute API under each server, in one run on one throwaway cloud:
the built-in novalite-api (cheroot) beside gunicorn and uwsgi workers
serving ``novalite.api.wsgi:application`` from the same config file.

Cheap-request latency (GET /v2.1/flavors) at concurrency 1 and 50, boot
request → ACTIVE one at a time and boot+delete under concurrency, each
beside its floor measured in the same run (the built-in server's ``GET /``
version document; an oslo.messaging call round trip for boots)::

    python -m novalite.bench.api_servers [--gunicorn 2x8,4x8] [--uwsgi 2x8]

uwsgi is measured when it is installed in the environment (``pip install
uwsgi``; it is not a dependency of novalite).
"""

import argparse
import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time

import requests

from novalite.bench import boot
from novalite.common import rpc
from novalite.tools import localcloud

BUILTIN = 'built-in (cheroot)'
APP = 'novalite.api.wsgi:application'
TOKEN = {'X-Auth-Token': 'admin:admin'}
CHEAP = '/v2.1/flavors'
WAIT = 120


# -- the servers ------------------------------------------------------------
def parse_specs(text):
    """'2x8,4x8' → [(2, 8), (4, 8)]: workers x threads; '' → []."""
    specs = []
    for item in filter(None, (p.strip() for p in text.split(','))):
        workers, _, threads = item.partition('x')
        specs.append((int(workers), int(threads or 1)))
    return specs


def gunicorn_cmd(workers, threads, port):
    return [localcloud.bin_path('gunicorn'), '--workers', str(workers),
            '--threads', str(threads), '--bind', '127.0.0.1:%d' % port,
            '--log-level', 'warning', APP]


def uwsgi_cmd(workers, threads, port):
    # --eval, not --module: uwsgi looks the callable up in the module's
    # __dict__, where the lazily built `application` (PEP 562) is not.
    # --lazy-apps: the application (its DB engine, heartbeat thread) is
    # built in each worker, not in the master before the fork.
    # --die-on-term: uwsgi 2.0 reloads on SIGTERM otherwise.
    # --http11-socket: --http-socket closes each connection without saying
    # so (no `Connection: close`): a keep-alive client's next request on it
    # is reset.
    module, _, name = APP.partition(':')
    return [localcloud.bin_path('uwsgi'), '--http11-socket',
            '127.0.0.1:%d' % port,
            '--eval', 'from %s import %s' % (module, name),
            '--virtualenv', sys.prefix, '--master', '--processes',
            str(workers), '--threads', str(threads), '--lazy-apps',
            '--die-on-term', '--need-app', '--disable-logging']


def _log_tail(path):
    with open(path, errors='replace') as src:
        return src.read()[-3000:]


def _wait_workers(url, proc, log, workers, timeout=WAIT):
    """Until every worker has built the application (it logs one line
    each) and the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('%s exited with %s\n%s' % (
                proc.args[0], proc.returncode, _log_tail(log)))
        if _log_tail(log).count('WSGI application ready') >= workers:
            try:
                if requests.get(url + '/', timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                pass
        time.sleep(0.1)
    raise RuntimeError('%s not ready after %ss\n%s' % (
        proc.args[0], timeout, _log_tail(log)))


@contextlib.contextmanager
def wsgi_server(cmd, spec, conf_file, log):
    """``cmd(workers, threads, port)`` on a free port, ``spec`` being
    (workers, threads); stopped (SIGTERM, then SIGKILL to its process
    group) on exit."""
    port = localcloud.free_port()
    cmd = cmd(spec[0], spec[1], port)
    env = dict(os.environ, NOVALITE_CONFIG_FILE=conf_file)
    with open(log, 'ab') as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
    url = 'http://127.0.0.1:%d' % port
    try:
        _wait_workers(url, proc, log, spec[0])
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


# -- the measurements -------------------------------------------------------
def hammer(url, clients, each):
    """``each`` GETs of ``url`` from each of ``clients`` threads (one
    requests.Session each), started together. Every exception and non-200
    answer is an error: a dropped connection must not hide in a median."""
    samples, errors = [], []
    go = threading.Barrier(clients + 1)

    def client():
        http = requests.Session()
        http.headers.update(TOKEN)
        go.wait()
        for _ in range(each):
            began = time.perf_counter()
            try:
                rsp = http.get(url, timeout=60)
            except requests.RequestException as exc:
                errors.append(repr(exc))
                continue
            if rsp.status_code != 200:
                errors.append('HTTP %d' % rsp.status_code)
                continue
            samples.append(time.perf_counter() - began)
    return samples, errors, _run_together(client, clients, go)


def _wait_status(http, url, want, poll):
    """Poll a server until its status is ``want`` ('gone': a 404)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        rsp = http.get(url, timeout=60)
        if rsp.status_code == 404 and want == 'gone':
            return
        rsp.raise_for_status()
        status = rsp.json()['server']['status']
        if status == want:
            return
        if status == 'ERROR':
            raise RuntimeError('%s went to ERROR' % url)
        time.sleep(poll)
    raise RuntimeError('%s not %s after %ss' % (url, want, WAIT))


def boot_and_delete(endpoint, total, concurrency, image_id, network_id,
                    poll=boot.POLL):
    """``total`` boot → ACTIVE → delete → gone iterations from
    ``concurrency`` threads: boot latencies (s), errors, wall time."""
    samples, errors = [], []
    tickets = itertools.count()
    go = threading.Barrier(concurrency + 1)

    def worker():
        http = requests.Session()
        http.headers.update(TOKEN)
        go.wait()
        while next(tickets) < total:
            body = {'server': {'name': 'load', 'imageRef': image_id,
                               'flavorRef': '42',
                               'networks': [{'uuid': network_id}]}}
            try:
                began = time.perf_counter()
                rsp = http.post(endpoint + '/v2.1/servers', json=body,
                                timeout=60)
                rsp.raise_for_status()
                url = endpoint + '/v2.1/servers/' + rsp.json()['server']['id']
                _wait_status(http, url, 'ACTIVE', poll)
                samples.append(time.perf_counter() - began)
                http.delete(url, timeout=60).raise_for_status()
                _wait_status(http, url, 'gone', poll)
            except (requests.RequestException, RuntimeError) as exc:
                errors.append(repr(exc))
    return samples, errors, _run_together(worker, concurrency, go)


def _run_together(target, count, go):
    """Start ``count`` threads of ``target`` released by the barrier
    ``go`` at once; the wall time from their release to the last one's
    end."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    go.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _wait_no_servers(endpoint):
    """boot.boot_serially deletes without waiting: let the next
    measurement start on an idle cloud."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if not requests.get(endpoint + '/v2.1/servers', headers=TOKEN,
                            timeout=60).json()['servers']:
            return
        time.sleep(0.1)
    raise RuntimeError('servers still there after %ss' % WAIT)


# -- the table --------------------------------------------------------------
def row(measurement, server, samples, errors=(), wall=None, floor=None,
        unit_count=None):
    """One line of the table: the summary of ``samples`` (s), the rate
    (``unit_count`` or len(samples) per ``wall`` second) and the floor's
    summary it is compared with (None: it is a floor)."""
    stats = boot.summary(samples) if samples else None
    count = len(samples) if unit_count is None else unit_count
    return {'measurement': measurement, 'server': server,
            'n': len(samples), 'errors': len(errors),
            'first_error': errors[0] if errors else None,
            'p50': stats and stats['p50'], 'p90': stats and stats['p90'],
            'rate': count / wall if wall else None,
            'floor': floor and floor['p50']}


def ratio(value, base):
    return value / base if value and base else None


def format_table(rows):
    """Markdown: each figure beside its floor's p50 and the ratio, and the
    rate beside the built-in server's for the same measurement."""
    ms = lambda s: '-' if s is None else '%.1f ms' % (s * 1000)  # noqa: E731
    num = lambda x, f: '-' if x is None else f % x  # noqa: E731
    builtin_rate = {r['measurement']: r['rate'] for r in rows
                    if r['server'] == BUILTIN}
    lines = ['| measurement | server | n | errors | p50 | p90 | rate /s '
             '| floor p50 | p50 / floor | rate / built-in |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        floor = r['floor'] if r['floor'] is not None else r['p50']
        lines.append('| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s |' % (
            r['measurement'], r['server'], r['n'], r['errors'],
            ms(r['p50']), ms(r['p90']), num(r['rate'], '%.1f'), ms(floor),
            num(ratio(r['p50'], floor), '%.1f'),
            num(ratio(r['rate'], builtin_rate.get(r['measurement'])),
                '%.2f')))
    return '\n'.join(lines)


# -- the run ----------------------------------------------------------------
def run(args):
    state = tempfile.mkdtemp(prefix='novalite-apibench-')
    rows = []
    with contextlib.ExitStack() as stack:
        cloud = stack.enter_context(localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-apibench',
            compute_hosts=['bench%d' % i for i in range(args.hosts)],
            on_teardown=rpc.cleanup))
        servers = [(BUILTIN, cloud.endpoint)]
        for kind, cmd, specs in (('gunicorn', gunicorn_cmd, args.gunicorn),
                                 ('uwsgi', uwsgi_cmd, args.uwsgi)):
            if specs and not os.path.exists(localcloud.bin_path(kind)):
                print('%s is not installed: not measured' % kind)
                continue
            for spec in specs:
                log = os.path.join(cloud.log_dir, '%s-%dx%d.log' % (
                    kind, spec[0], spec[1]))
                servers.append(('%s %dw x %dt' % ((kind,) + spec),
                                stack.enter_context(wsgi_server(
                                    cmd, spec, cloud.conf_file, log))))
        image_id, network_id = boot._seed(cloud.endpoint)
        for _, url in servers:     # warm every worker's connection pool
            hammer(url + CHEAP, 8, 5)
        c1 = 'GET %s, c=1' % CHEAP
        cn = 'GET %s, c=%d' % (CHEAP, args.clients)
        floor1 = hammer(cloud.endpoint + '/', 1, args.requests)
        floorn = hammer(cloud.endpoint + '/', args.clients, args.each)
        rpc_samples = boot.rpc_floor(cloud.conf_file)
        rpc_floor = boot.summary(rpc_samples)
        rows += [row('GET / (floor), c=1', BUILTIN, *floor1),
                 row('GET / (floor), c=%d' % args.clients, BUILTIN, *floorn),
                 row('oslo.messaging call (floor)', 'RabbitMQ', rpc_samples)]
        for name, url in servers:
            rows.append(row(c1, name, *hammer(url + CHEAP, 1, args.requests),
                            floor=boot.summary(floor1[0])))
        for name, url in servers:
            rows.append(row(cn, name, *hammer(url + CHEAP, args.clients,
                                              args.each),
                            floor=boot.summary(floorn[0])))
        # The first boot on each host fetches the image: not in any row.
        boot.boot_serially(cloud.endpoint, 2 * args.hosts, image_id,
                           network_id)
        _wait_no_servers(cloud.endpoint)
        serial = 'boot → ACTIVE, c=1'
        for name, url in servers:
            print('%s on %s' % (serial, name), file=sys.stderr, flush=True)
            rows.append(row(serial, name, boot.boot_serially(
                url, args.boots, image_id, network_id), floor=rpc_floor))
            _wait_no_servers(cloud.endpoint)
        for rnd in range(args.rounds):
            load = 'boot+delete, c=%d, round %d (boot → ACTIVE; rate: ' \
                'boots/s)' % (args.concurrency, rnd + 1)
            for name, url in rotated(servers, rnd):
                print('%s on %s' % (load, name), file=sys.stderr, flush=True)
                rows.append(row(load, name, *boot_and_delete(
                    url, args.load_boots, args.concurrency, image_id,
                    network_id), floor=rpc_floor))
    return rows


def rotated(items, by):
    """Each round starts with another server: none always runs first (on
    the emptiest database) or last."""
    by %= len(items)
    return items[by:] + items[:by]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gunicorn', type=parse_specs, default='2x8,4x8',
                        help='workers x threads, comma separated')
    parser.add_argument('--uwsgi', type=parse_specs, default='2x8',
                        help="workers x threads ('' : none)")
    parser.add_argument('--hosts', type=int, default=2)
    parser.add_argument('--requests', type=int, default=200,
                        help='GETs at concurrency 1')
    parser.add_argument('--clients', type=int, default=50)
    parser.add_argument('--each', type=int, default=10,
                        help='GETs per client at --clients')
    parser.add_argument('--boots', type=int, default=10,
                        help='boots one at a time, per server')
    parser.add_argument('--load-boots', type=int, default=40,
                        help='boot+delete iterations per server')
    parser.add_argument('--concurrency', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=2,
                        help='boot+delete rounds, each server in turn')
    args = parser.parse_args(argv)
    began = time.monotonic()
    load_before = os.getloadavg()
    rows = run(args)
    print(format_table(rows))
    print('load average: %.1f %.1f %.1f before, %.1f %.1f %.1f after '
          '(%d cores)' % (load_before + os.getloadavg() +
                          (os.cpu_count(),)))
    for r in rows:
        if r['errors']:
            print('%s on %s: %d errors, first: %s' % (
                r['measurement'], r['server'], r['errors'],
                r['first_error']))
    print('(%.0f s)' % (time.monotonic() - began))
    return 1 if any(r['errors'] for r in rows) else 0


if __name__ == '__main__':
    raise SystemExit(main())
