"""noauth2 identities, as clients present them, and where noauth2 may be
served."""

import subprocess
import sys

import pytest

from novalite.api import app as api_app
from novalite.api import auth


@pytest.mark.parametrize('headers,user,project,admin', [
    ({'X-Auth-Token': 'alice:p1'}, 'alice', 'p1', False),
    ({'X-Auth-Token': 'admin:p2'}, 'admin', 'p2', True),
    ({'X-Auth-Token': 'bob'}, 'bob', 'bob', False),
    # An empty project is the user's own, as Nova's NoAuthMiddleware has it.
    ({'X-Auth-Token': 'alice:'}, 'alice', 'alice', False),
    # No token, and keystoneauth's auth_type=none placeholder token.
    ({}, 'admin', 'admin', True),
    ({'X-Auth-Token': 'notused'}, 'admin', 'admin', True),
])
def test_identity_from_token(headers, user, project, admin):
    ctx = auth.context_from_headers(headers)
    assert (ctx.user_id, ctx.project_id, ctx.is_admin) == (user, project,
                                                           admin)


@pytest.mark.parametrize('host,loopback', [
    ('127.0.0.1', True), ('127.0.0.53', True), ('::1', True),
    ('localhost', True), ('0.0.0.0', False), ('::', False),
    ('192.0.2.10', False), ('no-such-host.invalid', False)])
def test_is_loopback(host, loopback):
    assert auth.is_loopback(host) is loopback


@pytest.fixture
def listen_any(conf):
    conf.set_override('listen', '0.0.0.0', group='api')
    yield conf
    conf.clear_override('listen', group='api')


def test_noauth2_on_the_network_is_refused(listen_any):
    with pytest.raises(auth.InsecureDeployment) as err:
        api_app.setup_app(listen_any)
    assert 'allow_insecure_noauth' in str(err.value)
    assert '0.0.0.0' in str(err.value)


def test_noauth2_on_the_network_when_allowed_warns(listen_any, caplog):
    listen_any.set_override('allow_insecure_noauth', True, group='api')
    try:
        assert api_app.setup_app(listen_any) is not None
    finally:
        listen_any.clear_override('allow_insecure_noauth', group='api')
    assert any('noauth2' in r.getMessage() and r.levelname == 'WARNING'
               for r in caplog.records)


def test_api_binary_exits_nonzero_on_insecure_listen(tmp_path):
    conf_file = tmp_path / 'api.conf'
    conf_file.write_text('[DEFAULT]\nstate_path = %s\n'
                         '[api]\nlisten = 0.0.0.0\nport = 1\n' % tmp_path)
    proc = subprocess.run(
        [sys.executable, '-c', 'import sys; from novalite.cli import api; '
         'api.main(sys.argv[1:])', '--config-file', str(conf_file)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert 'Refusing to serve auth_strategy = noauth2' in proc.stderr


@pytest.mark.parametrize('value, kept', [
    ('req-6f1a8e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b', True),
    ('req-6f1a8e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b\nFAKE LOG LINE', False),
    ('anything', False), ('', False)])
def test_global_request_id_must_be_well_formed(value, kept):
    # Log injection: a header value goes into every log line of the boot.
    ctx = auth.context_from_headers({'X-Auth-Token': 'alice:p1',
                                     'X-OpenStack-Request-ID': value})
    assert (ctx.global_request_id == value) is kept
