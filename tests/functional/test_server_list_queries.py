"""GET /servers sorting, paging and the ip / flavor filters, and
accessIPv6 normalisation, through openstacksdk and python-novaclient
against the real cloud."""

import uuid

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from novalite.tests.functional import helpers

ODD_V6 = '0000:0000:0000:0000:0000:babe:220.12.22.2'


def _boot(cloud, name, flavor, **kw):
    return cloud.sdk.compute.create_server(
        name=name, image_id=cloud.image_id, flavor_id=flavor,
        networks=[{'uuid': cloud.network_id}], **kw)


def test_sort_filter_and_page_through_clients(cloud):
    tag = 'sl%s-' % uuid.uuid4().hex[:6]
    specs = [('b', '42'), ('c', '1'), ('a', '42'), ('d', '42')]
    servers = [_boot(cloud, tag + n, f) for n, f in specs]
    try:
        for server in servers:
            helpers.wait_status(cloud, server.id, 'ACTIVE')
        sdk = cloud.sdk.compute
        names = sorted(tag + n for n, _f in specs)
        assert [s.name for s in sdk.servers(
            name='^' + tag, sort_key='display_name',
            sort_dir='asc')] == names
        # limit=1: openstacksdk follows servers_links page by page.
        assert [s.name for s in sdk.servers(
            name='^' + tag, sort_key='display_name', sort_dir='desc',
            limit=1)] == names[::-1]
        assert [s.name for s in sdk.servers(
            name='^' + tag, flavor='1')] == [tag + 'c']
        # The flavor's row id (m1.tiny's is below m1.nano's), then
        # created_at in the same direction.
        assert [s.name for s in sdk.servers(
            name='^' + tag, sort_key='instance_type_id',
            sort_dir='asc')] == [tag + n for n in 'cbad']
        shown = sdk.get_server(servers[2].id)
        (addr,) = [a['addr'] for nets in shown.addresses.values()
                   for a in nets if a['version'] == 4]
        assert [s.name for s in sdk.servers(
            name='^' + tag, ipv4_address=addr + '$')] == [tag + 'a']
        assert len(list(sdk.servers(name='^' + tag,
                                    ipv4_address='10\\.'))) == 4

        sess = ks_session.Session(auth=noauth.NoAuth())
        nova = nova_client.Client('2.1', session=sess,
                                  endpoint_override=cloud.compute_url)
        listed = nova.servers.list(
            search_opts={'name': '^' + tag, 'flavor': '42'},
            sort_keys=['display_name'], sort_dirs=['asc'], limit=2)
        assert [s.name for s in listed] == [tag + 'a', tag + 'b']
        rest = nova.servers.list(
            search_opts={'name': '^' + tag, 'flavor': '42'},
            sort_keys=['display_name'], sort_dirs=['asc'],
            marker=listed[-1].id)
        assert [s.name for s in rest] == [tag + 'd']

        rsp = cloud.http('GET', '/servers?sort_key=nosuchkey')
        assert rsp.status_code == 400
        assert "'nosuchkey' is not one of the allowed sort keys" in \
            rsp.json()['badRequest']['message']
        rsp = cloud.http('GET', '/servers?sort_key=host', token='bob:p1')
        assert rsp.status_code == 403
    finally:
        for server in servers:
            cloud.sdk.compute.delete_server(server)
        for server in servers:
            helpers.wait_gone(cloud, server.id)


def test_access_ipv6_is_canonical(cloud):
    server = _boot(cloud, 'v6-' + uuid.uuid4().hex[:6], '42',
                   access_ipv6=ODD_V6)
    try:
        assert cloud.sdk.compute.get_server(server.id).access_ipv6 == \
            '::babe:dc0c:1602'
        updated = cloud.sdk.compute.update_server(
            server, access_ipv6='2001:DB8:0:0:1:0:0:1')
        assert updated.access_ipv6 == '2001:db8::1:0:0:1'
        rsp = cloud.http('PUT', '/servers/' + server.id,
                         json={'server': {'accessIPv6': 'not-an-ip'}})
        assert rsp.status_code == 400
    finally:
        cloud.sdk.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)
