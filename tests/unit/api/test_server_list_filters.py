"""GET /servers filters that the sort tests do not cover: image, host and
node (admins), the tag filters (2.26), locked (2.73), changes-since and
changes-before (2.66); the 2.90 hostname update through PUT /servers/{id}
with Nova's hostname rules; and hostId as Nova computes it. Every filter
test has servers that match and servers that do not, so a filter that
were ignored fails it."""

import datetime
import hashlib

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


def _set(admin, inst, **values):
    with session.writer(admin) as s:
        s.execute(update(models.Instance).filter_by(
            uuid=inst['uuid']).values(**values))


def _names(client, query, **kw):
    rsp = client.get('/v2.1/servers?' + query, **kw)
    assert rsp.status_code == 200, rsp.data
    return [s['name'] for s in rsp.data['servers']]


# -- image -------------------------------------------------------------------

def test_image_filter(client, admin):
    _make(admin, [{'display_name': 'a', 'image_ref': 'img-1'},
                  {'display_name': 'b', 'image_ref': 'img-2'},
                  {'display_name': 'c', 'image_ref': 'img-1'}])
    assert _names(client, '') == ['c', 'b', 'a']
    assert _names(client, 'image=img-1') == ['c', 'a']
    assert _names(client, 'image=img-2') == ['b']
    # Matched exactly, as Nova's exact_match_filter_names: no prefix match.
    assert _names(client, 'image=img') == []
    assert _names(client, 'image=nosuch') == []
    # The detail view too, and combined with another filter.
    rsp = client.get('/v2.1/servers/detail?image=img-2')
    assert [s['name'] for s in rsp.data['servers']] == ['b']
    assert rsp.data['servers'][0]['image']['id'] == 'img-2'
    assert _names(client, 'image=img-1&name=^a') == ['a']


# -- host and node (admins) --------------------------------------------------

def _hosted(admin):
    return _make(admin, [
        {'display_name': 'a', 'host': 'h1', 'node': 'n1'},
        {'display_name': 'b', 'host': 'h2', 'node': 'n2'},
        {'display_name': 'c', 'host': 'h1', 'node': 'n1b'},
        {'display_name': 'd', 'host': None, 'node': None}])


def test_host_and_node_filters_for_admins(client, admin):
    _hosted(admin)
    adm = {'token': 'admin:p1'}
    assert _names(client, 'host=h1', **adm) == ['c', 'a']
    assert _names(client, 'host=h2', **adm) == ['b']
    assert _names(client, 'host=h', **adm) == []      # exact, not a prefix
    assert _names(client, 'host=nosuch', **adm) == []
    # node is not one of Nova's exact-match filters (its db layer matches
    # it as a regular expression, searched): n1 finds n1 and n1b.
    assert _names(client, 'node=n1', **adm) == ['c', 'a']
    assert _names(client, 'node=n1b', **adm) == ['c']
    assert _names(client, 'node=n2', **adm) == ['b']
    assert _names(client, 'host=h1&node=n1b', **adm) == ['c']
    assert _names(client, 'host=h2&node=n1', **adm) == []
    # Across projects with all_tenants.
    _make(admin, [{'display_name': 'other', 'host': 'h2', 'node': 'n2'}],
          project='p2')
    assert sorted(_names(client, 'host=h2&all_tenants=1',
                         token='admin:admin')) == ['b', 'other']
    assert _names(client, 'node=n2&all_tenants=1&project_id=p2',
                  token='admin:admin') == ['other']


def test_host_and_node_filters_are_dropped_for_members(client, admin):
    # Nova removes the filters a non-admin may not use: the list is the
    # unfiltered one, not a 403 and not an empty list.
    _hosted(admin)
    assert _names(client, 'host=h1') == ['d', 'c', 'b', 'a']
    assert _names(client, 'node=n2') == ['d', 'c', 'b', 'a']
    assert _names(client, 'host=nosuch', version='2.90') == [
        'd', 'c', 'b', 'a']


# -- tags (2.26) -------------------------------------------------------------

def _tagged(admin):
    return _make(admin, [
        {'display_name': 'none'},
        {'display_name': 'red', 'tags': ['red']},
        {'display_name': 'blue', 'tags': ['blue']},
        {'display_name': 'both', 'tags': ['red', 'blue']},
        {'display_name': 'all3', 'tags': ['red', 'blue', 'green']}])


ALL_TAGGED = ['all3', 'both', 'blue', 'red', 'none']


@pytest.mark.parametrize('query, expected', [
    ('tags=red', ['all3', 'both', 'red']),
    ('tags=red,blue', ['all3', 'both']),
    ('tags=red,blue,green', ['all3']),
    ('tags=nosuch', []),
    ('tags-any=red', ['all3', 'both', 'red']),
    ('tags-any=red,blue', ['all3', 'both', 'blue', 'red']),
    ('tags-any=green,nosuch', ['all3']),
    # not-tags: servers that do not have all of them.
    ('not-tags=red', ['blue', 'none']),
    ('not-tags=red,blue', ['blue', 'red', 'none']),
    ('not-tags=nosuch', ALL_TAGGED),
    # not-tags-any: servers that have none of them.
    ('not-tags-any=red', ['blue', 'none']),
    ('not-tags-any=red,blue', ['none']),
    ('not-tags-any=green', ['both', 'blue', 'red', 'none']),
    # Combined; Nova keeps what is between the commas, spaces too.
    ('tags=red&not-tags-any=green', ['both', 'red']),
    ('tags-any=red,%20blue', ['all3', 'both', 'red']),
    ('tags-any=red,blue&not-tags=red,blue', ['blue', 'red']),
])
def test_tag_filters(client, admin, query, expected):
    _tagged(admin)
    assert _names(client, query, version='2.26') == expected
    assert _names(client, query, version='latest') == expected


def test_tag_filters_are_ignored_before_226(client, admin):
    _tagged(admin)
    for query in ('tags=red', 'tags-any=red', 'not-tags=red',
                  'not-tags-any=red'):
        assert _names(client, query, version='2.25') == ALL_TAGGED, query
        assert _names(client, query) == ALL_TAGGED, query


def test_tag_filter_sees_tags_set_through_the_api(client, admin):
    # Nova changes tags only in a settled state (not while building).
    a, b = _make(admin, [{'display_name': 'a', 'vm_state': 'active'},
                         {'display_name': 'b', 'vm_state': 'active'}])
    rsp = client.request('PUT', '/v2.1/servers/%s/tags' % a['uuid'],
                         body={'tags': ['web']}, version='2.26')
    assert rsp.status_code == 200, rsp.data
    assert _names(client, 'tags=web', version='2.26') == ['a']
    assert _names(client, 'not-tags-any=web', version='2.26') == ['b']


# -- locked (2.73) -----------------------------------------------------------

def _locks(admin):
    return _make(admin, [
        {'display_name': 'a', 'locked': True, 'locked_by': 'owner'},
        {'display_name': 'b', 'locked': False},
        {'display_name': 'c', 'locked': True, 'locked_by': 'admin'}])


@pytest.mark.parametrize('value, expected', [
    ('true', ['c', 'a']), ('True', ['c', 'a']), ('1', ['c', 'a']),
    ('yes', ['c', 'a']), ('on', ['c', 'a']),
    ('false', ['b']), ('0', ['b']), ('no', ['b']), ('off', ['b']),
])
def test_locked_filter(client, admin, value, expected):
    _locks(admin)
    assert _names(client, 'locked=' + value, version='2.73') == expected
    assert _names(client, 'locked=' + value, version='latest') == expected


def test_locked_filter_detail_shows_locked(client, admin):
    _locks(admin)
    rsp = client.get('/v2.1/servers/detail?locked=true', version='2.73')
    assert [(s['name'], s['locked']) for s in rsp.data['servers']] == [
        ('c', True), ('a', True)]


def test_locked_filter_is_ignored_before_273(client, admin):
    _locks(admin)
    assert _names(client, 'locked=true', version='2.72') == ['c', 'b', 'a']
    assert _names(client, 'locked=false') == ['c', 'b', 'a']


def test_bad_locked_value_is_400(client, admin):
    _locks(admin)
    rsp = client.get('/v2.1/servers?locked=maybe', version='2.73')
    assert rsp.status_code == 400
    assert "Unrecognized value 'maybe'" in rsp.data['badRequest']['message']


# -- changes-since / changes-before (2.66) -----------------------------------

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0)


def _changed(admin):
    """a, b, c updated at T0, T0 + 1 h and T0 + 2 h."""
    made = _make(admin, [{'display_name': n} for n in 'abc'])
    for i, inst in enumerate(made):
        _set(admin, inst, updated_at=T0 + datetime.timedelta(hours=i))
    return made


def _iso(dt, suffix='Z'):
    return dt.isoformat() + suffix


def test_changes_since(client, admin):
    _changed(admin)
    hour = datetime.timedelta(hours=1)
    assert _names(client, 'changes-since=' + _iso(T0 - hour)) == [
        'c', 'b', 'a']
    # Inclusive, as Nova's updated_at >= changes-since.
    assert _names(client, 'changes-since=' + _iso(T0 + hour)) == ['c', 'b']
    assert _names(client, 'changes-since=' + _iso(T0 + hour + hour / 2)) \
        == ['c']
    assert _names(client, 'changes-since=' + _iso(T0 + 3 * hour)) == []
    # A time with an offset is converted to UTC: 13:30+01:00 is 12:30Z.
    assert _names(client, 'changes-since=2026-03-01T13:30:00%2B01:00') == \
        ['c', 'b']


def test_changes_before(client, admin):
    _changed(admin)
    hour = datetime.timedelta(hours=1)
    assert _names(client, 'changes-before=' + _iso(T0 + 3 * hour),
                  version='2.66') == ['c', 'b', 'a']
    # Inclusive, as Nova's updated_at <= changes-before.
    assert _names(client, 'changes-before=' + _iso(T0 + hour),
                  version='2.66') == ['b', 'a']
    assert _names(client, 'changes-before=' + _iso(T0 + hour / 2),
                  version='2.66') == ['a']
    assert _names(client, 'changes-before=' + _iso(T0 - hour),
                  version='2.66') == []
    # A window of both.
    assert _names(client, 'changes-since=%s&changes-before=%s' % (
        _iso(T0 + hour / 2), _iso(T0 + hour + hour / 2)),
        version='2.66') == ['b']
    assert _names(client, 'changes-since=%s&changes-before=%s' % (
        _iso(T0 + hour), _iso(T0 + hour)), version='latest') == ['b']


def test_changes_before_is_ignored_before_266(client, admin):
    _changed(admin)
    assert _names(client, 'changes-before=' + _iso(T0 - datetime.timedelta(
        hours=1)), version='2.65') == ['c', 'b', 'a']


# A time that is not one: Nova's query schema's message.
@pytest.mark.parametrize('query, message', [
    ('changes-since=2026-03-01T12:00:00Z'
     '&changes-before=2026-03-01T11:00:00Z',
     'The value of changes-since must be less than or equal to '
     'changes-before.'),
    ('changes-before=yesterday', "Invalid input for query parameters "
     "changes-before. Value: yesterday. 'yesterday' is not a 'date-time'"),
    ('changes-since=yesterday', "Invalid input for query parameters "
     "changes-since. Value: yesterday. 'yesterday' is not a 'date-time'"),
])
def test_bad_changes_window_is_400(client, admin, query, message):
    rsp = client.get('/v2.1/servers?' + query, version='2.66')
    assert rsp.status_code == 400, rsp.data
    assert message in rsp.data['badRequest']['message']


# -- PUT /servers/{id}: hostname (2.90) --------------------------------------

def _put(client, sid, server, version='2.90', **kw):
    return client.request('PUT', '/v2.1/servers/' + sid,
                          body={'server': server}, version=version, **kw)


def test_update_hostname_at_290(client, admin):
    inst, other = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'},
                                {'display_name': 'vm2', 'hostname': 'vm2'}])
    rsp = _put(client, inst['uuid'], {'hostname': 'new-host.a_b'})
    assert rsp.status_code == 200, rsp.data
    assert rsp.data['server']['OS-EXT-SRV-ATTR:hostname'] == 'new-host.a_b'
    # Shown to the project's member from 2.90, and stored.
    shown = client.get('/v2.1/servers/' + inst['uuid'], version='2.90')
    assert shown.data['server']['OS-EXT-SRV-ATTR:hostname'] == \
        'new-host.a_b'
    assert shown.data['server']['name'] == 'vm'          # name untouched
    assert instances.get(admin, inst['uuid'])['hostname'] == 'new-host.a_b'
    assert instances.get(admin, other['uuid'])['hostname'] == 'vm2'
    # With the name in the same request.
    rsp = _put(client, inst['uuid'], {'name': 'renamed', 'hostname': 'h2'})
    assert rsp.status_code == 200, rsp.data
    assert (rsp.data['server']['name'],
            rsp.data['server']['OS-EXT-SRV-ATTR:hostname']) == (
        'renamed', 'h2')


def test_update_hostname_before_290_is_400(client, admin):
    inst, = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'}])
    rsp = _put(client, inst['uuid'], {'hostname': 'new'}, version='2.89')
    assert rsp.status_code == 400, rsp.data
    assert "Additional properties are not allowed ('hostname' was " \
        "unexpected)" in rsp.data['badRequest']['message']
    assert instances.get(admin, inst['uuid'])['hostname'] == 'vm'


@pytest.mark.parametrize('hostname', [
    'a',                 # shorter than 2
    'x' * 64,            # longer than 63 (until 2.94's FQDNs)
    'has space',
    'slash/no',
    'caf\u00e9',
    '',
    'a:b',
])
def test_bad_hostname_is_400(client, admin, hostname):
    inst, = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'}])
    rsp = _put(client, inst['uuid'], {'hostname': hostname})
    assert rsp.status_code == 400, rsp.data
    assert rsp.data['badRequest']['message'].startswith(
        'Invalid input for field/attribute hostname.')
    assert instances.get(admin, inst['uuid'])['hostname'] == 'vm'


def test_bad_hostname_type_is_400(client, admin):
    inst, = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'}])
    for value in (None, 12, ['ab']):
        rsp = _put(client, inst['uuid'], {'hostname': value})
        assert rsp.status_code == 400, (value, rsp.data)
    assert instances.get(admin, inst['uuid'])['hostname'] == 'vm'


@pytest.mark.parametrize('hostname, code', [
    ('ab', 200), ('x' * 63, 200), ('A-b.c_d9', 200),
    ('x' * 64, 200),     # 2.94: a FQDN, up to 255
    ('x' * 255, 200), ('x' * 256, 400), ('a', 400),
])
def test_hostname_rules_at_294(client, admin, hostname, code):
    inst, = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'}])
    rsp = _put(client, inst['uuid'], {'hostname': hostname}, version='2.94')
    assert rsp.status_code == code, rsp.data
    if code == 200:
        assert rsp.data['server']['OS-EXT-SRV-ATTR:hostname'] == hostname
    at_290 = _put(client, inst['uuid'], {'hostname': hostname})
    assert at_290.status_code == (200 if 2 <= len(hostname) <= 63 else 400)


def test_update_hostname_of_another_projects_server_is_404(client, admin):
    inst, = _make(admin, [{'display_name': 'vm', 'hostname': 'vm'}])
    rsp = _put(client, inst['uuid'], {'hostname': 'stolen'}, token='bob:p2')
    assert rsp.status_code == 404
    assert instances.get(admin, inst['uuid'])['hostname'] == 'vm'


# -- hostId ------------------------------------------------------------------

def _nova_host_id(project, host):
    # nova.api.openstack.compute.views.servers.ViewBuilder._get_host_id
    return hashlib.sha224((project + host).encode('utf-8')).hexdigest()


def test_host_id_is_novas(client, admin):
    on_h1, on_h2, nowhere = _make(admin, [
        {'display_name': 'a', 'host': 'compute1'},
        {'display_name': 'b', 'host': 'compute2'},
        {'display_name': 'c', 'host': None}])
    theirs, = _make(admin, [{'display_name': 'p2', 'host': 'compute1'}],
                    project='p2')
    expected = _nova_host_id('p1', 'compute1')
    assert len(expected) == 56 and int(expected, 16) >= 0
    shown = client.get('/v2.1/servers/' + on_h1['uuid']).data['server']
    assert shown['hostId'] == expected
    detail = {s['name']: s['hostId'] for s in
              client.get('/v2.1/servers/detail').data['servers']}
    assert detail == {'a': expected,
                      'b': _nova_host_id('p1', 'compute2'),
                      'c': ''}
    # Another project's server on the same host gets another id: hostId
    # does not tell one project where another's servers are.
    other = client.get('/v2.1/servers/' + theirs['uuid'],
                       token='bob:p2').data['server']['hostId']
    assert other == _nova_host_id('p2', 'compute1') != expected
    # The same in the latest microversion and to an admin.
    assert client.get('/v2.1/servers/' + on_h1['uuid'], version='latest',
                      token='admin:admin').data['server']['hostId'] == \
        expected
