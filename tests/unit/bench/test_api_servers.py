"""The API server benchmark without a cloud: server specs and command
lines, the rows and their ratios, the markdown table and the client's
error counting."""

import http.server
import threading

import pytest

from novalite.bench import api_servers
from novalite.tools import localcloud


def test_parse_specs():
    assert api_servers.parse_specs('2x8,4x8') == [(2, 8), (4, 8)]
    assert api_servers.parse_specs(' 3 ') == [(3, 1)]
    assert api_servers.parse_specs('') == []
    with pytest.raises(ValueError):
        api_servers.parse_specs('twox8')


def test_server_commands_serve_the_wsgi_application_on_the_port():
    gunicorn = api_servers.gunicorn_cmd(2, 8, 4321)
    assert gunicorn[0] == localcloud.bin_path('gunicorn')
    assert gunicorn[-1] == 'novalite.api.wsgi:application'
    assert gunicorn[gunicorn.index('--workers') + 1] == '2'
    assert gunicorn[gunicorn.index('--threads') + 1] == '8'
    assert gunicorn[gunicorn.index('--bind') + 1] == '127.0.0.1:4321'
    uwsgi = api_servers.uwsgi_cmd(4, 2, 4321)
    assert uwsgi[uwsgi.index('--http11-socket') + 1] == '127.0.0.1:4321'
    # The lazily built attribute, imported (uwsgi's --module would look
    # in the module's __dict__ and not find it).
    assert uwsgi[uwsgi.index('--eval') + 1] == (
        'from novalite.api.wsgi import application')
    assert uwsgi[uwsgi.index('--processes') + 1] == '4'
    assert {'--lazy-apps', '--die-on-term', '--need-app'} <= set(uwsgi)


def test_row_summarises_samples_rate_and_floor():
    floor = {'p50': 0.002}
    r = api_servers.row('GET', 'gunicorn', [0.004, 0.006, 0.005, 0.1],
                        errors=['reset'], wall=2.0, floor=floor)
    assert r['n'] == 4 and r['errors'] == 1 and r['first_error'] == 'reset'
    assert r['p50'] == pytest.approx(0.0055)
    assert r['p90'] == 0.1
    assert r['rate'] == 2.0
    assert r['floor'] == 0.002
    # A floor row; no wall clock, no rate.
    r = api_servers.row('GET / (floor)', 'builtin', [0.002])
    assert r['floor'] is None and r['rate'] is None
    # Every request failed: no latency, the errors still counted.
    r = api_servers.row('GET', 'x', [], errors=['e'] * 3, wall=1.0)
    assert (r['n'], r['errors'], r['p50'], r['rate']) == (0, 3, None, 0)


def test_ratio():
    assert api_servers.ratio(6, 2) == 3
    assert api_servers.ratio(None, 2) is None
    assert api_servers.ratio(1, None) is None
    assert api_servers.ratio(1, 0) is None


def test_format_table_puts_each_figure_beside_its_floor_and_the_builtin():
    builtin = api_servers.BUILTIN
    rows = [
        api_servers.row('floor', builtin, [0.002], wall=0.5),
        api_servers.row('GET', builtin, [0.010], wall=1.0,
                        floor={'p50': 0.002}),
        api_servers.row('GET', 'gunicorn 2w x 8t', [0.004, 0.004],
                        errors=['x'], wall=0.5, floor={'p50': 0.002}),
    ]
    lines = api_servers.format_table(rows).splitlines()
    assert lines[0].startswith('| measurement | server | n | errors |')
    assert lines[1] == '|---|---|---|---|---|---|---|---|---|---|'
    assert lines[2] == ('| floor | %s | 1 | 0 | 2.0 ms | 2.0 ms | 2.0 '
                        '| 2.0 ms | 1.0 | 1.00 |' % builtin)
    assert lines[3] == ('| GET | %s | 1 | 0 | 10.0 ms | 10.0 ms | 1.0 '
                        '| 2.0 ms | 5.0 | 1.00 |' % builtin)
    assert lines[4] == ('| GET | gunicorn 2w x 8t | 2 | 1 | 4.0 ms | 4.0 ms '
                        '| 4.0 | 2.0 ms | 2.0 | 4.00 |')


def test_rotated_starts_each_round_with_another_server():
    servers = ['a', 'b', 'c']
    assert [api_servers.rotated(servers, r) for r in range(4)] == [
        ['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['a', 'b', 'c']]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        status = 200 if self.path == '/ok' else 503
        self.send_response(status)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *args):
        pass


@pytest.fixture
def local_http():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_hammer_times_each_request_of_each_client(local_http):
    samples, errors, wall = api_servers.hammer(local_http + '/ok', 3, 4)
    assert len(samples) == 12 and errors == []
    assert all(s > 0 for s in samples) and wall > 0


def test_hammer_counts_error_answers_and_refused_connections(local_http):
    samples, errors, _ = api_servers.hammer(local_http + '/busy', 2, 2)
    assert samples == [] and errors == ['HTTP 503'] * 4
    closed = 'http://127.0.0.1:%d/' % localcloud.free_port()
    samples, errors, _ = api_servers.hammer(closed, 2, 1)
    assert samples == [] and len(errors) == 2
    assert all('ConnectionError' in e for e in errors)
