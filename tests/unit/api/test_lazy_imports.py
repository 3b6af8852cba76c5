"""The API process's idle memory (issue 9: at most 100 MB per service):
modules only rarely used routes need are imported by those routes, not
with the API. A fresh interpreter builds the app as novalite-api does and
serves read requests; the lazily imported modules must still be absent
(undoing the laziness -- a module-level import -- fails this)."""

import json
import subprocess
import sys
import textwrap

import pytest

# module -> what imports it on first use
LAZY = {
    # oslo.policy's http:/https: check plugins (api/policies/base.py)
    # and the Glance client (api/image_api.py, [image] backend = glance)
    'requests': 'a policy rule of kind http:/https:, or the Glance backend',
    'novalite.compute.image.client': 'the Glance image backend',
    # api/validation.py: the first validated request body
    'jsonschema': 'the first POST/PUT body validated',
    # api/keypair_crypto.py: key pair create/import
    'cryptography.x509': 'key pair routes',
    # api/__init__.py: pecan imported without the template engines
    # novalite never renders with (it answers JSON only)
    'jinja2': 'nothing (pecan renders JSON only here)',
    'pygments': 'nothing (mako error pages of pecan debug mode)',
    # api/app.py: auth_strategy = keystone only
    'keystonemiddleware': 'auth_strategy = keystone',
}

PROBE = textwrap.dedent('''
    import json, sys
    import webob
    import novalite.cli.api                     # what novalite-api imports
    from novalite.api import app as api_app
    from novalite.common import config
    from novalite.common.conf import CONF
    from novalite.common.db import migration, session
    config.parse_args([], conf=CONF)
    CONF.set_override('state_path', sys.argv[1])
    CONF.set_override('transport_url', 'fake:/')
    CONF.set_override('connection', 'sqlite:///%s/unit.sqlite' % sys.argv[1],
                      group='database')
    migration.db_sync(CONF)
    app = api_app.setup_app(CONF)
    session.configure(CONF)
    status = {}
    for path in ('/', '/v2.1/flavors/detail', '/v2.1/servers/detail',
                 '/image/v2/images', '/v2.1/os-keypairs', '/v2.1/limits'):
        req = webob.Request.blank(path)
        req.headers['Accept'] = 'application/json'
        req.headers['X-Auth-Token'] = 'alice:p1'
        status[path] = req.get_response(app).status_int
    print(json.dumps({'status': status, 'modules': sorted(sys.modules)}))
''')


def _probe(tmp_path):
    proc = subprocess.run([sys.executable, '-c', PROBE, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_api_start_and_reads_leave_rarely_needed_modules_unimported(tmp_path):
    result = _probe(tmp_path)
    # The reads were served (policy checked, rows listed), not refused.
    assert all(code < 400 for code in result['status'].values()), \
        result['status']
    loaded = set(result['modules'])
    imported = {name: why for name, why in LAZY.items() if name in loaded}
    assert not imported, (
        'imported with the API though only needed for %s (keep it lazy: '
        'issue 9, bench/rss.py)' % imported)


def test_pecan_renders_json_and_the_hidden_engines_import_afterwards():
    import pecan.templating

    import novalite.api  # noqa: F401

    assert 'json' in pecan.templating._builtin_renderers
    for name in ('jinja2', 'pygments'):
        __import__(name)


def test_the_lazy_modules_exist():
    # A renamed module would make the test above pass vacuously.
    for name in LAZY:
        __import__(name)


def test_deferred_policy_check_plugins_still_parse_http_rules():
    from oslo_policy import _checks
    from oslo_policy import _external
    from oslo_policy import _parser

    from novalite.api.policies import base

    base.defer_check_plugins()      # idempotent
    assert isinstance(_parser.parse_rule('http://127.0.0.1:9/check'),
                      _external.HttpCheck)
    assert isinstance(_parser.parse_rule('https://127.0.0.1:9/check'),
                      _external.HttpsCheck)
    assert isinstance(_parser.parse_rule('role:admin'), _checks.RoleCheck)


def test_a_check_plugin_that_does_not_load_fails_closed():
    from oslo_policy import _checks

    from novalite.api.policies import base

    class Broken:
        name, value = 'broken', 'nowhere:Check'

        def load(self):
            raise ImportError('nowhere')

    check = base._PluginCheck(Broken())('broken', 'x')
    assert isinstance(check, _checks.FalseCheck)


def test_format_checks_registered_after_the_checker_is_built():
    from novalite.api import faults
    from novalite.api import validation

    validation.format_checker()
    validation.format_check('novalite_test_even')(
        lambda value: not isinstance(value, int) or value % 2 == 0)
    schema = {'type': 'integer', 'format': 'novalite_test_even'}
    validation.validate(schema, 2)
    with pytest.raises(faults.Fault) as raised:
        validation.validate(schema, 3)
    assert raised.value.code == 400
