"""The policy layer: Nova's and Glance's defaults per persona, a policy
file overriding them, the sample file kept current, and the controllers
asking the right rule (another project's server is a 404, a refused rule a
403, a reader reads but never writes)."""

import json
import os
import subprocess
import sys

import pytest
import webob

from novalite.api import auth
from novalite.api import policies
from novalite.api import policy
from novalite.common import context as nl_context
from novalite.common.db import images
from novalite.common.db import instances
from novalite.common import states

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
PROJECT = 'p1'


def _ctx(user, project, roles):
    return nl_context.RequestContext(user_id=user, project_id=project,
                                     roles=roles)


PERSONAS = {
    'admin': _ctx('admin', 'admin', ['admin', 'member', 'reader']),
    'member': _ctx('alice', PROJECT, ['member', 'reader']),
    'reader': _ctx('rita', PROJECT, ['reader']),
    'other': _ctx('bob', 'p2', ['member', 'reader']),
    'no-role': _ctx('nobody', PROJECT, []),
}
ALL = {'admin', 'member', 'reader', 'other', 'no-role'}
ADMIN = {'admin'}
MEMBER = {'admin', 'member'}
READER = {'admin', 'member', 'reader'}
# Glance reads: any reader (visibility is the lookup's business).
IMAGE_READ = {'admin', 'member', 'reader', 'other'}

# rule -> personas it allows on a resource of project p1
EXPECTED = {
    'os_compute_api:servers:index': READER,
    'os_compute_api:servers:detail': READER,
    'os_compute_api:servers:show': READER,
    'os_compute_api:servers:index:get_all_tenants': ADMIN,
    'os_compute_api:servers:detail:get_all_tenants': ADMIN,
    'os_compute_api:servers:allow_all_filters': ADMIN,
    'os_compute_api:servers:show:host_status': ADMIN,
    'os_compute_api:servers:create': MEMBER,
    'os_compute_api:servers:create:forced_host': ADMIN,
    'compute:servers:create:requested_destination': ADMIN,
    'os_compute_api:servers:create:attach_network': MEMBER,
    'os_compute_api:servers:delete': MEMBER,
    'os_compute_api:servers:update': MEMBER,
    'os_compute_api:servers:reboot': MEMBER,
    'os_compute_api:servers:rebuild': MEMBER,
    'os_compute_api:servers:create_image': MEMBER,
    'os_compute_api:servers:start': MEMBER,
    'os_compute_api:servers:stop': MEMBER,
    'os_compute_api:os-pause-server:pause': MEMBER,
    'os_compute_api:os-pause-server:unpause': MEMBER,
    'os_compute_api:os-suspend-server:suspend': MEMBER,
    'os_compute_api:os-suspend-server:resume': MEMBER,
    'os_compute_api:os-lock-server:lock': MEMBER,
    'os_compute_api:os-lock-server:unlock': MEMBER,
    'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN,
    'os_compute_api:os-console-output': MEMBER,
    'os_compute_api:os-server-diagnostics': ADMIN,
    'os_compute_api:os-extended-server-attributes': ADMIN,
    'os_compute_api:os-server-tags:index': READER,
    'os_compute_api:os-server-tags:show': READER,
    'os_compute_api:os-server-tags:update': MEMBER,
    'os_compute_api:os-server-tags:update_all': MEMBER,
    'os_compute_api:os-server-tags:delete': MEMBER,
    'os_compute_api:os-security-groups:list': READER,
    'os_compute_api:os-volumes-attachments:index': READER,
    'os_compute_api:os-volumes-attachments:show': READER,
    'os_compute_api:os-flavor-extra-specs:show': READER,
    'os_compute_api:os-flavor-extra-specs:create': ADMIN,
    'os_compute_api:os-flavor-extra-specs:update': ADMIN,
    'os_compute_api:os-flavor-extra-specs:delete': ADMIN,
    'os_compute_api:os-flavor-access': ADMIN,
    'os_compute_api:os-flavor-access:add_tenant_access': ADMIN,
    'os_compute_api:os-flavor-access:remove_tenant_access': ADMIN,
    'os_compute_api:os-security-groups:add': MEMBER,
    'os_compute_api:os-security-groups:remove': MEMBER,
    'os_compute_api:os-volumes-attachments:create': MEMBER,
    'os_compute_api:os-volumes-attachments:update': MEMBER,
    'os_compute_api:os-volumes-attachments:delete': MEMBER,
    'os_compute_api:os-server-tags:delete_all': MEMBER,
    'os_compute_api:os-flavor-manage:create': ADMIN,
    'os_compute_api:os-flavor-manage:update': ADMIN,
    'os_compute_api:os-flavor-manage:delete': ADMIN,
    'os_compute_api:os-flavor-extra-specs:index': READER,
    'os_compute_api:os-networks:list': READER,
    'os_compute_api:os-networks:view': READER,
    'get_images': IMAGE_READ,
    'get_image': IMAGE_READ,
    'download_image': IMAGE_READ,
    'add_image': MEMBER,
    'modify_image': MEMBER,
    'delete_image': MEMBER,
    'upload_image': MEMBER,
    'publicize_image': ADMIN,
    'communitize_image': MEMBER,
}
BASE_RULES = {'context_is_admin', 'project_member_api', 'project_reader_api',
              'project_member_or_admin', 'project_reader_or_admin'}
# Server metadata, instance actions, availability zones, aggregates,
# services, hypervisors, usage.
EXPECTED.update({
    'os_compute_api:ips:index': READER,
    'os_compute_api:ips:show': READER,
    'os_compute_api:server-metadata:index': READER,
    'os_compute_api:server-metadata:show': READER,
    'os_compute_api:server-metadata:create': MEMBER,
    'os_compute_api:server-metadata:update_all': MEMBER,
    'os_compute_api:server-metadata:update': MEMBER,
    'os_compute_api:server-metadata:delete': MEMBER,
    'os_compute_api:os-simple-tenant-usage:show': READER,
    'os_compute_api:os-simple-tenant-usage:list': ADMIN,
    'os_compute_api:os-aggregates:set_metadata': ADMIN,
    'os_compute_api:os-aggregates:add_host': ADMIN,
    'os_compute_api:os-aggregates:create': ADMIN,
    'os_compute_api:os-aggregates:remove_host': ADMIN,
    'os_compute_api:os-aggregates:update': ADMIN,
    'os_compute_api:os-aggregates:index': ADMIN,
    'os_compute_api:os-aggregates:delete': ADMIN,
    'os_compute_api:os-aggregates:show': ADMIN,
    'os_compute_api:os-availability-zone:list': READER,
    'os_compute_api:os-availability-zone:detail': ADMIN,
    'os_compute_api:os-services:list': ADMIN,
    'os_compute_api:os-services:update': ADMIN,
    'os_compute_api:os-services:delete': ADMIN,
    'os_compute_api:os-hypervisors:list': ADMIN,
    'os_compute_api:os-hypervisors:list-detail': ADMIN,
    'os_compute_api:os-hypervisors:statistics': ADMIN,
    'os_compute_api:os-hypervisors:show': ADMIN,
    'os_compute_api:os-hypervisors:uptime': ADMIN,
    'os_compute_api:os-hypervisors:search': ADMIN,
    'os_compute_api:os-hypervisors:servers': ADMIN,
    'os_compute_api:os-instance-actions:list': READER,
    'os_compute_api:os-instance-actions:show': READER,
    'os_compute_api:os-instance-actions:events': ADMIN,
    'os_compute_api:os-instance-actions:events:details': ADMIN,
})


# Key pairs (the target is the caller's project and user alice), quotas,
# limits.
EXPECTED.update({
    'os_compute_api:os-keypairs:index': MEMBER,
    'os_compute_api:os-keypairs:create': MEMBER,
    'os_compute_api:os-keypairs:show': MEMBER,
    'os_compute_api:os-keypairs:delete': MEMBER,
    'os_compute_api:os-quota-sets:show': READER,
    'os_compute_api:os-quota-sets:detail': READER,
    'os_compute_api:os-quota-sets:defaults': ALL,
    'os_compute_api:os-quota-sets:update': ADMIN,
    'os_compute_api:os-quota-sets:delete': ADMIN,
    'os_compute_api:os-quota-class-sets:show': ADMIN,
    'os_compute_api:os-quota-class-sets:update': ADMIN,
    'os_compute_api:limits': ALL,
    'os_compute_api:limits:other_project': ADMIN,
})


# Server groups (Nova: create is PROJECT_MEMBER, so an admin creates only
# in its own project, which is what the API asks).
EXPECTED.update({
    'os_compute_api:os-server-groups:create': {'member'},
    'os_compute_api:os-server-groups:delete': MEMBER,
    'os_compute_api:os-server-groups:index': READER,
    'os_compute_api:os-server-groups:index:all_projects': ADMIN,
    'os_compute_api:os-server-groups:show': READER,
})


# The network API (Neutron's names; a target without ``shared`` is not
# shared).
EXPECTED.update({
    'get_%s' % r: READER for r in ('network', 'subnet', 'port',
                                   'security_group', 'security_group_rule')})
EXPECTED.update({
    '%s_%s' % (a, r): MEMBER for a in ('create', 'update', 'delete')
    for r in ('network', 'subnet', 'port', 'security_group',
              'security_group_rule')
    if (a, r) != ('update', 'security_group_rule')})
EXPECTED.update({'create_network:shared': ADMIN,
                 'update_network:shared': ADMIN,
                 'get_port:binding:host_id': ADMIN})

@pytest.fixture
def enforcing(conf):
    policy.reset()
    yield conf
    policy.reset()


def test_every_registered_rule_is_in_the_table():
    names = {r.name for r in policies.list_rules()}
    assert len(names) == len(policies.list_rules()), 'duplicate rule names'
    assert names - BASE_RULES == set(EXPECTED)


def test_api_rules_are_documented_with_operations():
    for rule in policies.list_rules():
        if rule.name in BASE_RULES:
            continue
        assert rule.operations and rule.description, rule.name
        assert rule.scope_types == ['project'], rule.name


@pytest.mark.parametrize('rule', sorted(EXPECTED))
def test_defaults_per_persona(enforcing, rule):
    target = {'project_id': PROJECT, 'user_id': 'alice'}
    allowed = {name for name, ctx in PERSONAS.items()
               if policy.check(enforcing, ctx, rule, target)}
    assert allowed == EXPECTED[rule]


def test_authorize_raises_novas_403(enforcing):
    with pytest.raises(Exception) as err:
        policy.authorize(enforcing, PERSONAS['member'],
                         'os_compute_api:os-server-diagnostics',
                         {'project_id': PROJECT})
    assert err.value.code == 403
    assert str(err.value) == ("Policy doesn't allow os_compute_api:"
                              "os-server-diagnostics to be performed.")


def test_check_is_admin(enforcing):
    assert policy.check_is_admin(enforcing, PERSONAS['admin'])
    assert not policy.check_is_admin(enforcing, PERSONAS['member'])


# -- the sample file and the generator entry points ---------------------------

def _tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def test_sample_policy_is_current(tmp_path):
    out = tmp_path / 'policy.yaml.sample'
    subprocess.run([_tool('oslopolicy-sample-generator'), '--config-file',
                    os.path.join(ROOT, 'etc', 'oslo-policy-generator.conf'),
                    '--output-file', str(out)], check=True, cwd=ROOT,
                   capture_output=True)
    with open(os.path.join(ROOT, 'etc', 'policy.yaml.sample')) as src:
        committed = src.read()
    assert out.read_text() == committed, (
        'etc/policy.yaml.sample is stale: run `make sample-policy`')


def test_doc_lists_every_rule():
    with open(os.path.join(ROOT, 'doc', 'policy.md')) as src:
        doc = src.read()
    missing = [r.name for r in policies.list_rules()
               if '`%s`' % r.name not in doc]
    assert not missing, 'doc/policy.md lacks %s' % missing


def test_policy_generator_uses_the_enforcer_entry_point():
    # oslopolicy-policy-generator merges a policy file over the defaults
    # through the ``oslo.policy.enforcer`` entry point.
    proc = subprocess.run([_tool('oslopolicy-policy-generator'),
                           '--namespace', 'novalite'], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    assert ('"os_compute_api:os-server-diagnostics": '
            '"rule:context_is_admin"') in proc.stdout


# -- through the API ----------------------------------------------------------

@pytest.fixture
def personas(monkeypatch):
    """noauth2 has no reader-only token: ``reader:<project>`` (and
    ``norole:<project>``) get just that role here."""
    real = auth.context_from_headers

    def context_from_headers(headers):
        ctx = real(headers)
        if ctx.user_id in ('reader', 'norole'):
            ctx.roles = ['reader'] if ctx.user_id == 'reader' else []
        return ctx
    monkeypatch.setattr(auth, 'context_from_headers', context_from_headers)


def _server(admin, cloud, **values):
    row = {'display_name': 'vm', 'project_id': PROJECT, 'user_id': 'alice',
           'flavor': {'id': 1, 'flavorid': '1', 'name': 'm1.tiny',
                      'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
                      'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}},
           'image_ref': cloud['image']['id'], 'host': None, 'node': None,
           'vm_state': states.ACTIVE, 'task_state': None,
           'power_state': states.RUNNING}
    row.update(values)
    return instances.create_instances(admin, [row], {}, [])[0]


@pytest.fixture
def server(client, cloud, admin, personas):
    return _server(admin, cloud)['uuid']


def _status(client, method, path, token, body=None):
    return client.request(method, '/v2.1' + path, body, token=token)


@pytest.mark.parametrize('method,path,body,codes', [
    # (member of p1, reader of p1, member of p2, user of p1 with no role)
    ('GET', '/servers/{id}', None, (200, 200, 404, 403)),
    ('GET', '/servers', None, (200, 200, 200, 403)),
    ('GET', '/servers/detail', None, (200, 200, 200, 403)),
    ('DELETE', '/servers/{id}', None, (204, 403, 404, 403)),
    ('GET', '/servers/{id}/diagnostics', None, (403, 403, 404, 403)),
    # The member passes the policy; the state check answers (no host).
    ('POST', '/servers/{id}/action', {'os-stop': None},
     (409, 403, 404, 403)),
    ('POST', '/servers/{id}/action', {'os-getConsoleOutput': {}},
     (409, 403, 404, 403)),
    ('POST', '/servers/{id}/action', {'lock': None}, (202, 403, 404, 403)),
    ('GET', '/os-networks', None, (200, 200, 200, 403)),
    ('POST', '/flavors', {'flavor': {'name': 'f', 'ram': 1, 'vcpus': 1,
                                     'disk': 1}}, (403, 403, 403, 403)),
    ('DELETE', '/flavors/1', None, (403, 403, 403, 403)),
])
def test_compute_routes_per_persona(client, server, method, path, body,
                                    codes):
    # The owner member last: its DELETE succeeds.
    tokens = ('reader:p1', 'bob:p2', 'norole:p1', 'alice:p1')
    got = {token: _status(client, method, path.format(id=server), token,
                          body).status_code for token in tokens}
    assert tuple(got[t] for t in tokens[-1:] + tokens[:-1]) == codes


def test_refusal_names_the_rule(client, server):
    resp = _status(client, 'GET', '/servers/%s/diagnostics' % server,
                   'alice:p1')
    assert resp.data == {'forbidden': {'code': 403, 'message': (
        "Policy doesn't allow os_compute_api:os-server-diagnostics to be "
        "performed.")}}
    resp = _status(client, 'POST', '/flavors', 'alice:p1', {'flavor': {
        'name': 'f', 'ram': 1, 'vcpus': 1, 'disk': 1}})
    assert resp.data['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be "
        "performed.")


def test_reader_may_not_create(client, cloud, personas):
    resp = _status(client, 'POST', '/servers', 'reader:p1', {'server': {
        'name': 'vm', 'imageRef': cloud['image']['id'], 'flavorRef': '1'}})
    assert resp.status_code == 403, resp.body
    assert 'os_compute_api:servers:create ' in resp.data['forbidden'][
        'message']


@pytest.mark.parametrize('extra,rule', [
    ({'availability_zone': 'nova:h1'}, 'servers:create:forced_host'),
    ({'host': 'h1'}, 'servers:create:requested_destination'),
])
def test_member_may_not_pick_the_host(client, cloud, extra, rule):
    body = {'server': dict({'name': 'vm', 'imageRef': cloud['image']['id'],
                            'flavorRef': '1', 'networks': 'none'}, **extra)}
    resp = client.request('POST', '/v2.1/servers', body, token='alice:p1',
                          version='2.74')
    assert resp.status_code == 403, resp.body
    assert rule in resp.data['forbidden']['message']


def test_all_tenants_is_for_admins(client, cloud, admin):
    mine = _server(admin, cloud)['uuid']
    theirs = _server(admin, cloud, project_id='p2')['uuid']
    resp = _status(client, 'GET', '/servers?all_tenants=1', 'alice:p1')
    assert resp.status_code == 403
    assert 'index:get_all_tenants' in resp.data['forbidden']['message']
    resp = _status(client, 'GET', '/servers/detail?all_tenants=1',
                   'alice:p1')
    assert 'detail:get_all_tenants' in resp.data['forbidden']['message']
    # all_tenants=0 asks nothing of the policy.
    resp = _status(client, 'GET', '/servers?all_tenants=0', 'alice:p1')
    assert [s['id'] for s in resp.data['servers']] == [mine]
    # project_id / tenant_id are admin filters: silently dropped otherwise.
    resp = _status(client, 'GET', '/servers?project_id=p2', 'alice:p1')
    assert [s['id'] for s in resp.data['servers']] == [mine]
    resp = _status(client, 'GET', '/servers?all_tenants=1&tenant_id=p2',
                   'admin:admin')
    assert [s['id'] for s in resp.data['servers']] == [theirs]
    resp = _status(client, 'GET', '/servers?all_tenants=1', 'admin:admin')
    assert {s['id'] for s in resp.data['servers']} == {mine, theirs}
    # Without all_tenants an admin lists its own project (Nova).
    resp = _status(client, 'GET', '/servers?tenant_id=p2', 'admin:admin')
    assert resp.data['servers'] == []


def test_unlock_of_an_admin_lock_needs_the_override(client, server):
    assert _status(client, 'POST', '/servers/%s/action' % server,
                   'admin:admin', {'lock': None}).status_code == 202
    resp = _status(client, 'POST', '/servers/%s/action' % server,
                   'alice:p1', {'unlock': None})
    assert resp.status_code == 403
    assert 'unlock:unlock_override' in resp.data['forbidden']['message']
    assert _status(client, 'POST', '/servers/%s/action' % server,
                   'admin:admin', {'unlock': None}).status_code == 202


def _patch(client, path, token, changes):
    req = webob.Request.blank('/image/v2/images' + path, method='PATCH')
    req.headers['X-Auth-Token'] = token
    req.content_type = 'application/openstack-images-v2.1-json-patch'
    req.body = json.dumps(changes).encode()
    return req.get_response(client.app)


@pytest.fixture
def public_image(admin):
    return images.create(admin, {
        'name': 'pub', 'status': 'active', 'disk_format': 'raw',
        'container_format': 'bare', 'size': 3, 'visibility': 'public',
        'owner': 'admin'})


def test_image_routes_per_persona(client, cloud, public_image, personas):
    private = cloud['image']['id']          # p1's own, private
    public = public_image['id']
    rename = [{'op': 'replace', 'path': '/name', 'value': 'x'}]
    cases = [
        # token, method, path, expected
        ('reader:p1', 'GET', '', 200),
        ('reader:p1', 'GET', '/' + private, 200),
        # Past the policy: no data uploaded, 204 (Glance).
        ('reader:p1', 'GET', '/%s/file' % public, 204),
        ('reader:p1', 'POST', '', 403),
        ('reader:p1', 'DELETE', '/' + private, 403),
        ('reader:p1', 'PUT', '/%s/tags/t' % private, 403),
        ('bob:p2', 'GET', '/' + private, 404),
        ('bob:p2', 'DELETE', '/' + private, 404),
        ('bob:p2', 'GET', '/' + public, 200),
        ('bob:p2', 'DELETE', '/' + public, 403),
        ('bob:p2', 'PUT', '/%s/tags/t' % public, 403),
        ('alice:p1', 'PUT', '/%s/tags/t' % private, 204),
        ('norole:p1', 'GET', '', 403),
    ]
    got = [(t, m, p, client.request(m, '/image/v2/images' + p,
                                    {'name': 'n'} if m == 'POST' else None,
                                    token=t).status_code)
           for t, m, p, _ in cases]
    assert got == cases
    assert _patch(client, '/' + public, 'bob:p2', rename).status_code == 403
    assert _patch(client, '/' + private, 'reader:p1',
                  rename).status_code == 403
    assert _patch(client, '/' + private, 'alice:p1',
                  rename).status_code == 200
    publicize = [{'op': 'replace', 'path': '/visibility', 'value': 'public'}]
    resp = _patch(client, '/' + private, 'alice:p1', publicize)
    assert resp.status_code == 403
    assert b'publicize_image' in resp.body


# -- a policy file overrides the defaults ------------------------------------

def _policy_file(conf, tmp_path, text):
    path = tmp_path / 'policy.yaml'
    path.write_text(text)
    conf.set_override('policy_file', str(path), group='oslo_policy')
    policy.reset()


@pytest.fixture
def policy_file(db, tmp_path):
    yield lambda text: _policy_file(db, tmp_path, text)
    db.clear_override('policy_file', group='oslo_policy')
    policy.reset()


def test_policy_file_makes_listing_admin_only(client, server, policy_file):
    assert _status(client, 'GET', '/servers', 'alice:p1').status_code == 200
    policy_file('"os_compute_api:servers:index": "rule:context_is_admin"\n')
    resp = _status(client, 'GET', '/servers', 'alice:p1')
    assert resp.status_code == 403
    assert resp.data['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:servers:index to be performed.")
    assert _status(client, 'GET', '/servers', 'admin:admin').status_code \
        == 200
    # Only that rule changed.
    assert _status(client, 'GET', '/servers/detail',
                   'alice:p1').status_code == 200


def test_policy_file_opens_an_admin_api(client, server, policy_file):
    policy_file('"os_compute_api:os-server-diagnostics": '
                '"rule:project_member_or_admin"\n')
    # Past the policy: the server has no host yet (409), and still a 404
    # for another project.
    path = '/servers/%s/diagnostics' % server
    assert _status(client, 'GET', path, 'alice:p1').status_code == 409
    assert _status(client, 'GET', path, 'bob:p2').status_code == 404
