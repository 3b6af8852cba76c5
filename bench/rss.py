"""Idle resident memory of each service (issue 9: at most 100 MB each),
read against a floor measured in the same run: a bare interpreter of the
same venv and one that has only imported oslo.messaging, SQLAlchemy and
pecan (what the libraries alone cost before novalite adds anything)::

    python -m novalite.bench.rss [--idle 10] [--requests 50]

Starts a disposable cloud (SQLite, libvirt's test driver), lets it idle
``--idle`` seconds and reads VmRSS from /proc/<pid>/status of every
service process; then sends ``--requests`` requests of mixed routes
(servers list/show/create/delete, flavors, images, ...) and reads it
again, since modules a route imports lazily are loaded by then. The
target is the idle figure. Runs in well under a minute.
"""

import argparse
import itertools
import subprocess
import sys
import tempfile
import time

import requests

from novalite.tools import localcloud

TARGET_MB = 100.0
TOKEN = {'X-Auth-Token': 'admin:admin'}
FLOORS = (
    ('floor: python (bare interpreter)', 'import time; time.sleep(%d)'),
    ('floor: python + oslo_messaging, sqlalchemy, pecan',
     'import oslo_messaging, sqlalchemy, pecan, time; time.sleep(%d)'),
)


def rss_mb(pid):
    """VmRSS of ``pid`` in MB (MiB, as /proc counts kB), None if gone."""
    try:
        with open('/proc/%d/status' % pid) as src:
            for line in src:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def start_floors(seconds):
    """The floor processes, from this interpreter (the same venv)."""
    return {name: subprocess.Popen(
        [sys.executable, '-c', code % seconds], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, code in FLOORS}


def stop_floors(floors):
    for proc in floors.values():
        proc.kill()
        proc.wait(timeout=10)


def seed_image(http, endpoint):
    """An active raw image (its upload runs the image format checks)."""
    image = http.post(endpoint + '/image/v2/images', json={
        'name': 'rss', 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'public'})
    image.raise_for_status()
    image_id = image.json()['id']
    http.put(endpoint + '/image/v2/images/%s/file' % image_id,
             data=b'\0' * 65536,
             headers={'Content-Type': 'application/octet-stream'}
             ).raise_for_status()
    return image_id


def mixed_requests(endpoint, count):
    """``count`` requests over the common routes, servers booted and
    deleted among them; returns how many answered with an error."""
    http = requests.Session()
    http.headers.update(TOKEN)
    image_id = seed_image(http, endpoint)
    network_id = http.get(endpoint + '/v2.1/os-networks').json()[
        'networks'][0]['id']
    servers = []

    def create():
        rsp = http.post(endpoint + '/v2.1/servers', json={'server': {
            'name': 'rss', 'imageRef': image_id, 'flavorRef': '42',
            'networks': [{'uuid': network_id}]}})
        if rsp.status_code == 202:
            servers.append(rsp.json()['server']['id'])
        return rsp

    def show():
        if not servers:
            return create()
        return http.get(endpoint + '/v2.1/servers/' + servers[-1],
                        params={'wait_for': 'ACTIVE'})

    def delete():
        if not servers:
            return create()
        return http.delete(endpoint + '/v2.1/servers/' + servers.pop(0))

    def get(path, **params):
        return lambda: http.get(endpoint + path, params=params)

    routes = [
        create, get('/v2.1/servers'), show, get('/v2.1/servers/detail'),
        get('/v2.1/flavors'), get('/v2.1/flavors/detail'),
        get('/v2.1/flavors/42'), get('/image/v2/images'),
        get('/image/v2/images/' + image_id), get('/v2.1/images/detail'),
        get('/v2.1/os-keypairs'), get('/v2.1/limits'),
        get('/v2.1/os-availability-zone'), delete, get('/'),
        get('/v2.1/servers/detail', status='ACTIVE', limit=5),
    ]
    errors = 0
    for route in itertools.islice(itertools.cycle(routes), count):
        if route().status_code >= 400:
            errors += 1
    for server_id in servers:
        http.delete(endpoint + '/v2.1/servers/' + server_id)
    return errors


def measure(idle=10.0, count=50, settle=2.0):
    """{name: (idle MB, MB after ``count`` requests)} for every service
    and floor process, and the number of failed requests."""
    with tempfile.TemporaryDirectory(prefix='novalite-rss-') as state, \
            localcloud.disposable_cloud('sqlite', state,
                                        vhost_prefix='novalite-rss') as cloud:
        floors = start_floors(int(idle + settle + 60))
        try:
            time.sleep(idle)
            pids = {'novalite-' + name: proc.pid
                    for name, proc in cloud.procs.items()}
            pids.update({name: proc.pid for name, proc in floors.items()})
            before = {name: rss_mb(pid) for name, pid in pids.items()}
            errors = mixed_requests(cloud.endpoint, count) if count else 0
            time.sleep(settle)
            after = {name: rss_mb(pid) for name, pid in pids.items()}
        finally:
            stop_floors(floors)
    return {name: (before[name], after[name]) for name in pids}, errors


def table(figures, count):
    def mb(value):
        return '-' if value is None else '%.1f' % value
    lines = ['| process | idle RSS (MB) | after %d requests (MB) | target '
             '(MB) | idle within target |' % count,
             '|---|---|---|---|---|']
    for name, (idle, busy) in figures.items():
        floor = name.startswith('floor')
        lines.append('| %s | %s | %s | %s | %s |' % (
            name, mb(idle), mb(busy), '' if floor else '%.0f' % TARGET_MB,
            '' if floor else ('yes' if idle is not None and
                              idle <= TARGET_MB else 'NO')))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--idle', type=float, default=10.0,
                        help='seconds the cloud idles before the reading')
    parser.add_argument('--requests', type=int, default=50,
                        help='mixed requests before the second reading '
                             '(0: none)')
    args = parser.parse_args(argv)
    began = time.monotonic()
    figures, errors = measure(args.idle, args.requests)
    print(table(figures, args.requests))
    print('\n(VmRSS, 1 MB = 1024 kB; %d of %d requests failed; %.0f s)' % (
        errors, args.requests, time.monotonic() - began))
    over = [n for n, (idle, _) in figures.items()
            if not n.startswith('floor') and (idle is None or
                                               idle > TARGET_MB)]
    return 1 if over or errors else 0


if __name__ == '__main__':
    raise SystemExit(main())
