"""Flavor extra specs and private flavor access through stock clients:
the `openstack` CLI's `flavor create --private`, `flavor set --property`
(validated as Nova 2.86 validates) and `flavor unset --property`;
python-novaclient's flavor_access (the CLI's `--project` needs Keystone to
find the project); a project the flavor is not shared with does not see
it."""

import uuid

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from novalite.tests.functional import test_server_security_groups as cli


def test_cli_extra_specs_and_private_flavor_access(cloud, tmp_path):
    name = 'fx-' + uuid.uuid4().hex[:6]
    flavor = cli._openstack(cloud, tmp_path, 'flavor', 'create', '--ram',
                            '64', '--disk', '1', '--vcpus', '1', '--private',
                            name)
    try:
        cli._openstack(cloud, tmp_path, 'flavor', 'set', '--property',
                       'hw:cpu_policy=dedicated', '--property',
                       'hw:numa_nodes=1', name, output=False)
        shown = cli._openstack(cloud, tmp_path, 'flavor', 'show', name)
        assert shown['properties'] == {'hw:cpu_policy': 'dedicated',
                                       'hw:numa_nodes': '1'}
        out = cli._openstack(cloud, tmp_path, '--os-compute-api-version',
                             '2.86', 'flavor', 'set', '--property',
                             'hw:cpu_policy=bogus', name, ok=False)
        assert "'bogus' is not one of" in out
        cli._openstack(cloud, tmp_path, 'flavor', 'unset', '--property',
                       'hw:numa_nodes', name, output=False)
        rsp = cloud.http('GET', '/flavors/%s/os-extra_specs' % flavor['id'])
        assert rsp.json() == {'extra_specs': {'hw:cpu_policy': 'dedicated'}}

        def access():
            rsp = cloud.http('GET', '/flavors/%s/os-flavor-access'
                             % flavor['id'])
            assert rsp.status_code == 200, rsp.text
            return sorted(a['tenant_id'] for a in rsp.json()['flavor_access'])
        assert access() == []
        nova = nova_client.Client(
            '2.1', session=ks_session.Session(auth=noauth.NoAuth()),
            endpoint_override=cloud.compute_url)
        listed = nova.flavor_access.add_tenant_access(flavor['id'], 'demo')
        assert [a.tenant_id for a in listed] == ['demo']
        nova.flavor_access.add_tenant_access(flavor['id'], 'alt')
        assert access() == ['alt', 'demo']
        assert sorted(a.tenant_id for a in nova.flavor_access.list(
            flavor=flavor['id'])) == ['alt', 'demo']
        assert cloud.http('GET', '/flavors/' + flavor['id'],
                          token='alt:alt').status_code == 200
        nova.flavor_access.remove_tenant_access(flavor['id'], 'alt')
        assert access() == ['demo']
        assert cloud.http('GET', '/flavors/' + flavor['id'],
                          token='alt:alt').status_code == 404
        assert flavor['id'] not in [f['id'] for f in cloud.http(
            'GET', '/flavors', token='alt:alt').json()['flavors']]
    finally:
        cli._openstack(cloud, tmp_path, 'flavor', 'delete', name,
                       output=False)
