"""The compute API under the WSGI servers (gunicorn and uwsgi serving
``novalite.api.wsgi:application``), and the built-in server under 60
concurrent clients."""

import http.client
import os
import subprocess
import threading
import time

import openstack
import pytest
import requests

from novalite.tests.functional import bare_cloud as bare
from novalite.tools import localcloud

CLIENTS = 60
REQUESTS_EACH = 3
# The defaults ([api] threads 64, backlog 1024) are what is under test.


def _wait_http(url, proc, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc is None or proc.poll() is None, _read(log)
        try:
            return requests.get(url, timeout=10)
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise AssertionError('%s not answering after %ss\n%s' % (
        url, timeout, _read(log)))


def _read(path, tail=4000):
    with open(path, errors='replace') as src:
        text = src.read()
    return text[-tail:] if tail else text


def _server_command(name, port):
    binary = localcloud.bin_path(name)
    assert os.path.exists(binary), (
        '%s is missing: `pip install -e .[test]` installs it' % name)
    if name == 'gunicorn':
        return [binary, '--workers', '2', '--threads', '4',
                '--bind', '127.0.0.1:%d' % port,
                'novalite.api.wsgi:application']
    # doc/operations.md's command line.
    return [binary, '--http11-socket', '127.0.0.1:%d' % port,
            '--module', 'novalite.api.wsgi_app:application', '--master',
            '--lazy-apps',
            '--processes', '2', '--threads', '4', '--listen', '100',
            '--die-on-term']


@pytest.mark.parametrize('server', ['gunicorn', 'uwsgi'])
def test_wsgi_server_serves_the_application(server):
    with bare.bare_cloud() as cloud:
        port = localcloud.free_port()
        log = os.path.join(cloud.log_dir, server + '.log')
        env = dict(os.environ, NOVALITE_CONFIG_FILE=cloud.conf_file)
        with open(log, 'wb') as out:
            proc = subprocess.Popen(
                _server_command(server, port),
                stdout=out, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)
        try:
            endpoint = 'http://127.0.0.1:%d' % port
            assert _wait_http(endpoint + '/v2.1', proc, log).status_code == 200
            # A real client, as a user would point it at the API: one
            # keep-alive session across several requests.
            cloud.api_port = port
            sdk = openstack.connect(**cloud.cloud_config())
            names = {f.name for f in sdk.compute.flavors()}
            assert 'm1.tiny' in names
            assert list(sdk.compute.servers()) == []
            flavor = sdk.compute.create_flavor(name='wsgi-made', ram=64,
                                               vcpus=1, disk=1)
            assert sdk.compute.get_flavor(flavor.id).name == 'wsgi-made'
        finally:
            _stop(proc, log, server)


def _stop(proc, log, server):
    """SIGTERM once every worker has loaded the application (a uwsgi
    worker still importing it with --lazy-apps is slow to die); exit 0
    within 30 s."""
    if server == 'uwsgi':
        deadline = time.monotonic() + 60
        while (_read(log, tail=None).count('WSGI app 0 (mountpoint') < 2
               and time.monotonic() < deadline and proc.poll() is None):
            time.sleep(0.2)
    proc.terminate()
    try:
        assert proc.wait(timeout=30) == 0, _read(log)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError('%s did not stop within 30 s of SIGTERM\n%s'
                             % (server, _read(log)))


def test_builtin_server_serves_60_concurrent_clients():
    with bare.bare_cloud() as cloud:
        cloud.start(names=['api'])
        log = os.path.join(cloud.log_dir, 'api.log')
        url = cloud.endpoint + '/v2.1/flavors/detail'
        _wait_http(cloud.endpoint + '/', cloud.procs['api'], log)
        errors, statuses, connects = [], [], []
        go = threading.Barrier(CLIENTS)
        host, port = '127.0.0.1', cloud.api_port

        def client():
            go.wait()
            for _ in range(REQUESTS_EACH):
                # A new connection per request: the listen queue is what
                # is under test.
                conn = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    began = time.monotonic()
                    conn.connect()
                    connects.append(time.monotonic() - began)
                    conn.request('GET', '/v2.1/flavors/detail', headers={
                        'X-Auth-Token': 'admin:admin'})
                    statuses.append(conn.getresponse().status)
                except OSError as exc:
                    errors.append(repr(exc))
                finally:
                    conn.close()
        workers = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert errors == [], '%d errors, e.g. %s' % (len(errors), errors[:3])
        assert statuses == [200] * (CLIENTS * REQUESTS_EACH)
        # A full listen queue drops the SYN: the client then retries after
        # one second. The handshake is the kernel's: never that slow else.
        assert max(connects) < 0.9, sorted(connects)[-5:]
