"""GET /servers?deleted=...: Nova's admin-only filter for soft-deleted
servers (it was accepted and ignored: an admin asking for the deleted
servers got the live ones)."""

from novalite.common.db import instances

ADMIN = 'admin:admin'


def _servers(admin):
    made = instances.create_instances(admin, [
        {'display_name': name, 'project_id': 'p1', 'user_id': 'alice',
         'image_ref': 'img', 'flavor': {'id': 1, 'flavorid': '1'}}
        for name in ('live', 'gone')], {}, [])
    # Written since it was made: changes-since sees it (updated_at).
    instances.update(admin, made[0]['uuid'], {'vm_state': 'active'})
    instances.destroy(admin, made[1]['uuid'])
    return made


def _names(resp):
    assert resp.status_code == 200, resp.body
    return sorted(s['name'] for s in resp.data['servers'])


def test_admin_lists_only_deleted_servers_with_deleted_true(
        client, admin):
    _servers(admin)
    url = '/v2.1/servers/detail?all_tenants=1&deleted=true'
    resp = client.get(url, token=ADMIN)
    assert _names(resp) == ['gone']
    assert resp.data['servers'][0]['status'] == 'DELETED'
    assert _names(client.get('/v2.1/servers?all_tenants=1&deleted=false',
                             token=ADMIN)) == ['live']
    # Nova's bool_from_string: what is not true is false.
    assert _names(client.get('/v2.1/servers?all_tenants=1&deleted=maybe',
                             token=ADMIN)) == ['live']


def test_deleted_false_wins_over_changes_since(client, admin):
    _servers(admin)
    since = 'changes-since=2000-01-01T00:00:00Z'
    assert _names(client.get('/v2.1/servers?all_tenants=1&' + since,
                             token=ADMIN)) == ['gone', 'live']
    assert _names(client.get('/v2.1/servers?all_tenants=1&deleted=0&'
                             + since, token=ADMIN)) == ['live']


def test_deleted_filter_is_dropped_for_a_project_member(client, admin):
    _servers(admin)
    assert _names(client.get('/v2.1/servers?deleted=true')) == ['live']
