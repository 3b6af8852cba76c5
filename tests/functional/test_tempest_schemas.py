"""tempest's own service clients and response schemas against a running
cloud (SQLite): the versions document, then servers, flavors, tags and
images at every advertised microversion (reads) and at each one where a
shape changes (update, lock, rebuild, tags, createImage, create variants,
flavor create/update). tempest runs in its own virtualenv
(tools/tempest_schemas.py); the check script exits non-zero on the first
response tempest refuses."""

import pytest

from novalite.api import microversion
from novalite.tools import tempest_schemas


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_every_response_passes_tempest_schemas(cloud):
    proc = tempest_schemas.run_check(cloud.endpoint, cloud.image_id,
                                     cloud.network_id)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ('advertised microversions: %s .. %s' % (
        microversion.MIN_VERSION, microversion.MAX_VERSION)) in output
    assert 'OK: ' in output


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_novaclient_newest_and_sdk_latest(cloud):
    """python-novaclient at its newest microversion (up to ours) and
    openstacksdk with compute microversion 'latest' create, show, list."""
    import novaclient
    import openstack
    from keystoneauth1 import noauth
    from keystoneauth1 import session as ks_session
    from novaclient import api_versions
    from novaclient import client as nova_client

    from novalite.tests.functional import helpers

    newest = min(novaclient.API_MAX_VERSION,
                 api_versions.APIVersion(microversion.MAX_VERSION))
    nova = nova_client.Client(
        newest.get_string(), endpoint_override=cloud.compute_url,
        session=ks_session.Session(auth=noauth.NoAuth()))
    server = nova.servers.create('nc-newest', cloud.image_id, '42',
                                 nics=[{'net-id': cloud.network_id}],
                                 description='newest')
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    shown = nova.servers.get(server.id)
    assert shown.description == 'newest'
    assert shown.flavor['original_name'] == 'm1.nano'
    assert server.id in [s.id for s in nova.servers.list()]

    sdk = openstack.connect(compute_api_version='latest',
                            **cloud.local.cloud_config())
    other = sdk.compute.create_server(
        name='sdk-latest', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    helpers.wait_status(cloud, other.id, 'ACTIVE')
    got = sdk.compute.get_server(other.id)
    assert got.flavor['original_name'] == 'm1.nano'
    assert other.id in [s.id for s in sdk.compute.servers()]
    for sid in (server.id, other.id):
        nova.servers.delete(sid)
        helpers.wait_gone(cloud, sid)
