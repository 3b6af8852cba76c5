"""A server's security groups through stock clients: `openstack server add
security group` / `server remove security group` (the network API finds
the group, the compute API's addSecurityGroup / removeSecurityGroup
actions change the server), GET /servers/{id}/os-security-groups and
novaclient's servers.list_security_group."""

import json
import os
import subprocess
import uuid

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from novalite.tests.functional import helpers


_openstack = helpers.openstack_cli


def _groups(cloud, server_id):
    rsp = cloud.http('GET', '/servers/%s/os-security-groups' % server_id)
    assert rsp.status_code == 200, rsp.text
    return sorted(g['name'] for g in rsp.json()['security_groups'])


def test_cli_adds_and_removes_a_group(cloud, tmp_path):
    group = 'sgcli-' + uuid.uuid4().hex[:6]
    _openstack(cloud, tmp_path, 'security', 'group', 'create', group)
    server = _openstack(cloud, tmp_path, 'server', 'create', '--image',
                        cloud.image_id, '--flavor', 'm1.nano', '--network',
                        'private', 'sg-' + group)
    try:
        helpers.wait_status(cloud, server['id'], 'ACTIVE')
        _openstack(cloud, tmp_path, 'server', 'add', 'security', 'group',
                   server['id'], group, output=False)
        assert _groups(cloud, server['id']) == sorted(['default', group])
        shown = _openstack(cloud, tmp_path, 'server', 'show', server['id'])
        assert group in json.dumps(shown['security_groups'])

        sess = ks_session.Session(auth=noauth.NoAuth())
        nova = nova_client.Client('2.1', session=sess,
                                  endpoint_override=cloud.compute_url)
        listed = nova.servers.list_security_group(server['id'])
        assert sorted(g.name for g in listed) == sorted(['default', group])

        _openstack(cloud, tmp_path, 'server', 'remove', 'security', 'group',
                   server['id'], group, output=False)
        assert _groups(cloud, server['id']) == ['default']
        out = _openstack(cloud, tmp_path, 'server', 'remove', 'security',
                         'group', server['id'], group, ok=False)
        assert 'not associated with the instance' in out
        rsp = cloud.http('POST', '/servers/%s/action' % server['id'],
                         json={'addSecurityGroup': {'name': 'no-such'}})
        assert rsp.status_code == 404, rsp.text
    finally:
        _openstack(cloud, tmp_path, 'server', 'delete', server['id'],
                   output=False)
        helpers.wait_gone(cloud, server['id'])
        _openstack(cloud, tmp_path, 'security', 'group', 'delete', group,
                   output=False)


def test_tempest_schemas_for_security_groups_and_flavor_extras(cloud):
    """tempest's ServersClient (add/remove security group, security groups
    by server) and FlavorsClient (extra specs, flavor access) validate
    every answer at 2.1 and at the newest microversion."""
    from novalite.tools import tempest_schemas
    script = os.path.join(tempest_schemas.REPO, 'tools',
                          'tempest_check_extras.py')
    proc = subprocess.run([tempest_schemas.ensure(), script,
                           cloud.endpoint, cloud.image_id, cloud.network_id],
                          capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert 'OK: ' in output
