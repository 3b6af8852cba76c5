"""GET /servers sorting (sort_key / sort_dir, with paging) and the ip,
ip6 and flavor filters, as Nova answers them."""

import datetime
import urllib.parse

import pytest
from sqlalchemy import update

from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import session


def _make(admin, rows, project='p1'):
    """Instances from column dicts; created_at one second apart, in order,
    so the default order (newest first) is the reverse of ``rows``."""
    made = instances.create_instances(admin, [
        dict({'project_id': project, 'user_id': 'alice', 'image_ref': 'img',
              'flavor': {'id': 1, 'flavorid': '1'}}, **r) for r in rows],
        {}, [])
    start = datetime.datetime(2026, 1, 1)
    with session.writer(admin) as s:
        for i, inst in enumerate(made):
            s.execute(update(models.Instance).filter_by(
                uuid=inst['uuid']).values(
                created_at=start + datetime.timedelta(seconds=i)))
    return made


def _ports(admin, addresses):
    """{instance uuid: [address]} written as ports on one network."""
    with session.writer(admin) as s:
        net = models.Network(uuid='net-x', name='x', cidr='10.0.0.0/8')
        s.add(net)
        s.flush()
        for n, (inst, addrs) in enumerate(addresses.items()):
            for m, addr in enumerate(addrs):
                s.add(models.Port(uuid='port-%d-%d' % (n, m),
                                  network_id=net.id, instance_uuid=inst,
                                  address=addr,
                                  mac_address='fa:16:3e:00:%02x:%02x'
                                  % (n, m)))


def _names(client, query, **kw):
    rsp = client.get('/v2.1/servers?' + query, **kw)
    assert rsp.status_code == 200, rsp.data
    return [s['name'] for s in rsp.data['servers']]


def test_default_order_is_newest_first(client, admin):
    _make(admin, [{'display_name': n} for n in 'abc'])
    assert _names(client, '') == ['c', 'b', 'a']
    assert _names(client, 'sort_dir=asc') == ['a', 'b', 'c']


def test_sort_by_name_and_ties_by_created_at(client, admin):
    _make(admin, [{'display_name': n} for n in ('b', 'a', 'c', 'a')])
    # Without a direction Nova sorts descending; ties follow created_at
    # (then id) in the first direction.
    assert _names(client, 'sort_key=display_name') == ['c', 'b', 'a', 'a']
    rsp = client.get('/v2.1/servers/detail?sort_key=display_name'
                     '&sort_dir=asc').data['servers']
    assert [s['name'] for s in rsp] == ['a', 'a', 'b', 'c']
    assert rsp[0]['created'] < rsp[1]['created']


def test_several_keys_and_directions(client, admin):
    _make(admin, [{'display_name': 'x', 'key_name': 'k2'},
                  {'display_name': 'y', 'key_name': 'k1'},
                  {'display_name': 'z', 'key_name': 'k1'},
                  {'display_name': 'w', 'key_name': 'k2'}])
    assert _names(client, 'sort_key=key_name&sort_dir=asc'
                  '&sort_key=display_name&sort_dir=desc') == [
        'z', 'y', 'x', 'w']
    # A missing direction is the first one given.
    assert _names(client, 'sort_key=key_name&sort_dir=desc'
                  '&sort_key=display_name') == ['x', 'w', 'z', 'y']


def test_marker_pages_follow_the_sort(client, admin):
    names = ['n%02d' % i for i in (5, 3, 9, 1, 7, 2, 8, 0, 6, 4)]
    _make(admin, [{'display_name': n, 'key_name': None if i % 3 else 'k'}
                  for i, n in enumerate(names)])
    for query in ('sort_key=display_name&sort_dir=asc',
                  'sort_key=display_name&sort_dir=desc',
                  'sort_key=key_name&sort_dir=asc',
                  'sort_key=key_name&sort_dir=desc&sort_key=display_name',
                  'sort_key=created_at&sort_dir=asc'):
        whole = _names(client, query)
        assert len(whole) == 10
        paged, href = [], '/v2.1/servers?%s&limit=3' % query
        while href:
            page = client.get(href).data
            paged += [s['name'] for s in page['servers']]
            links = page.get('servers_links')
            href = links[0]['href'][len('http://localhost'):] \
                if links else None
        assert paged == whole, query
    assert _names(client, 'sort_key=display_name&sort_dir=asc') == \
        sorted(names)


def test_name_filter_pages_with_the_sort(client, admin):
    _make(admin, [{'display_name': n} for n in
                  ('web-b', 'db-1', 'web-a', 'web-d', 'db-2', 'web-c')])
    page = client.get('/v2.1/servers?name=web&sort_key=display_name'
                      '&sort_dir=asc&limit=2').data
    assert [s['name'] for s in page['servers']] == ['web-a', 'web-b']
    rest = _names(client, 'name=web&sort_key=display_name&sort_dir=asc'
                  '&marker=' + page['servers'][-1]['id'])
    assert rest == ['web-c', 'web-d']


@pytest.mark.parametrize('query, version, message', [
    ('sort_key=bogus', None, "'bogus' is not one of the allowed sort keys"),
    ('sort_key=bogus', '2.80', "'bogus' is not one of the allowed sort"),
    ('sort_key=id', '2.75', "'id' is not one of the allowed sort keys"),
    ('sort_key=display_name&sort_dir=up', None,
     "Invalid input received: Unknown sort direction, must be 'desc' or "
     "'asc'"),
    ('sort_key=display_name&sort_dir=asc&sort_dir=desc', None,
     'Invalid input received: Sort direction size exceeds sort key size'),
])
def test_bad_sort_is_400(client, admin, query, version, message):
    rsp = client.get('/v2.1/servers?' + query, version=version)
    assert rsp.status_code == 400
    assert message in rsp.data['badRequest']['message']


def test_ignored_sort_keys_before_275(client, admin):
    _make(admin, [{'display_name': n} for n in 'abc'])
    # Dropped with its direction: the default order remains.
    assert _names(client, 'sort_key=id&sort_dir=asc') == ['c', 'b', 'a']
    assert _names(client, 'sort_key=locked&sort_key=display_name'
                  '&sort_dir=asc&sort_dir=desc') == ['c', 'b', 'a']
    # 2.73 makes locked a sort key.
    assert _names(client, 'sort_key=locked&sort_dir=asc',
                  version='2.73') == ['a', 'b', 'c']


def test_host_and_node_sort_is_admin_only(client, admin):
    _make(admin, [{'display_name': 'a', 'host': 'h2'},
                  {'display_name': 'b', 'host': 'h1'}])
    rsp = client.get('/v2.1/servers?sort_key=host')
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == \
        'Only administrators can sort servers by host'
    assert _names(client, 'sort_key=host&sort_dir=asc&all_tenants=1',
                  token='admin:admin') == ['b', 'a']
    assert _names(client, 'sort_key=node', token='admin:p1') == ['b', 'a']


def test_sort_by_flavor_and_other_columns(client, admin):
    _make(admin, [
        {'display_name': 'a', 'flavor': {'id': 3, 'flavorid': '3'},
         'access_ip_v4': '10.0.0.9', 'launched_at': None},
        {'display_name': 'b', 'flavor': {'id': 1, 'flavorid': '1'},
         'access_ip_v4': '10.0.0.1',
         'launched_at': datetime.datetime(2026, 1, 2)},
        {'display_name': 'c', 'flavor': {'id': 2, 'flavorid': '2'},
         'access_ip_v4': None,
         'launched_at': datetime.datetime(2026, 1, 1)}])
    assert _names(client, 'sort_key=instance_type_id&sort_dir=asc') == [
        'b', 'c', 'a']
    # NULL is the smallest value, in both directions.
    assert _names(client, 'sort_key=access_ip_v4&sort_dir=asc') == [
        'c', 'b', 'a']
    assert _names(client, 'sort_key=launched_at&sort_dir=desc') == [
        'b', 'c', 'a']
    for key in ('kernel_id', 'progress', 'uuid', 'vm_state', 'updated_at',
                'terminated_at', 'power_state', 'task_state'):
        assert sorted(_names(client, 'sort_key=' + key)) == ['a', 'b', 'c']


def test_flavor_filter(client, admin):
    _make(admin, [{'display_name': 'a', 'flavor': {'id': 1, 'flavorid': '1'}},
                  {'display_name': 'b',
                   'flavor': {'id': 7, 'flavorid': 'big'}}])
    assert _names(client, 'flavor=big') == ['b']
    assert _names(client, 'flavor=1') == ['a']
    assert _names(client, 'flavor=nosuch') == []


def test_ip_and_ip6_filters(client, admin):
    a, b, c = _make(admin, [{'display_name': n} for n in 'abc'])
    _ports(admin, {a['uuid']: ['10.0.0.12', 'fd00::1:12'],
                   b['uuid']: ['10.0.0.1'],
                   c['uuid']: ['10.1.0.3', 'fd00::abcd']})
    assert _names(client, 'ip=10.0.0.1') == ['b', 'a']   # from the start
    assert _names(client, 'ip=10.0.0.1$') == ['b']
    assert _names(client, 'ip=' + urllib.parse.quote(r'10\.1\.')) == ['c']
    assert _names(client, 'ip=0.0') == []     # not a search: a match
    assert _names(client, 'ip=fd00') == []    # IPv4 addresses only
    assert _names(client, 'ip6=fd00::') == ['c', 'a']
    assert _names(client, 'ip6=fd00::ab') == ['c']
    assert _names(client, 'ip6=10.0') == []
    assert _names(client, 'ip=10.0&name=a') == ['a']
    page = client.get('/v2.1/servers?ip=10&limit=2').data
    assert [s['name'] for s in page['servers']] == ['c', 'b']
    assert _names(client, 'ip=10&marker=' + page['servers'][-1]['id']) == \
        ['a']
    # Another project's servers never match.
    assert _names(client, 'ip=10', token='bob:p2') == []


@pytest.mark.parametrize('key', ['ip', 'ip6'])
def test_bad_ip_pattern_is_400(client, admin, key):
    rsp = client.get('/v2.1/servers?%s=%s' % (key, urllib.parse.quote('(')))
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'].startswith(
        'Invalid input for query parameters %s.' % key)
    rsp = client.get('/v2.1/servers?%s=%s' % (
        key, urllib.parse.quote(r'(a)\1')))
    assert rsp.status_code == 400
