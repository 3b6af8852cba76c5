"""os-server-groups: Nova's bodies, status codes and messages per
microversion, quotas, and the ``group`` scheduler hint of POST /servers."""

from novalite.common.db import instances
from novalite.common.db import server_groups as groups_db
from novalite.tests.unit.api.test_servers import _body, conductor  # noqa

SG = '/v2.1/os-server-groups'


def _create(client, version=None, token='alice:p1', **group):
    group.setdefault('name', 'g')
    if version is None or version < '2.64':
        group.setdefault('policies', ['anti-affinity'])
    return client.post(SG, {'server_group': group}, version=version,
                       token=token)


def test_create_show_list_delete_v21(client, db):
    rsp = _create(client)
    assert rsp.status_code == 200, rsp.data
    group = rsp.data['server_group']
    assert set(group) == {'id', 'name', 'policies', 'members', 'metadata'}
    assert group['policies'] == ['anti-affinity']
    assert group['metadata'] == {} and group['members'] == []
    shown = client.get(SG + '/' + group['id']).data['server_group']
    assert shown == group
    assert client.get(SG).data == {'server_groups': [group]}
    assert client.delete(SG + '/' + group['id']).status_code == 204
    rsp = client.get(SG + '/' + group['id'])
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == \
        'Instance group %s could not be found.' % group['id']
    assert client.delete(SG + '/' + group['id']).status_code == 404


def test_microversion_shapes(client, db):
    rsp = _create(client, '2.13', policies=['affinity'])
    group = rsp.data['server_group']
    assert group['project_id'] == 'p1' and group['user_id'] == 'alice'
    assert _create(client, '2.14', policies=['soft-affinity']) \
        .status_code == 400
    assert _create(client, '2.15', policies=['soft-affinity']) \
        .status_code == 200
    rsp = _create(client, '2.64', policy='anti-affinity',
                  rules={'max_server_per_host': 3})
    assert rsp.status_code == 200, rsp.data
    group = rsp.data['server_group']
    assert set(group) == {'id', 'name', 'policy', 'rules', 'members',
                          'project_id', 'user_id'}
    assert group['rules'] == {'max_server_per_host': 3}
    shown = client.get(SG + '/' + group['id'], version='2.1').data
    assert shown['server_group']['policies'] == ['anti-affinity']
    rsp = _create(client, '2.64', policy='affinity',
                  rules={'max_server_per_host': 3})
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        'Only anti-affinity policy supports rules.'
    assert _create(client, '2.64', policies=['affinity']).status_code == 400
    assert _create(client, '2.64', policy='anti-affinity',
                   rules={'max_server_per_host': 0}).status_code == 400
    assert _create(client, '2.64', policy='anti-affinity',
                   rules={'other': 1}).status_code == 400
    rsp = _create(client, '2.64', policy='anti-affinity',
                  rules={'max_server_per_host': '9' * 30})
    assert rsp.status_code == 400
    assert 'greater than the maximum' in rsp.data['badRequest']['message']
    rsp = _create(client, '2.64', policy='anti-affinity',
                  rules={'max_server_per_host': '2'})
    assert rsp.data['server_group']['rules'] == {'max_server_per_host': 2}
    assert client.post(SG, {'server_group': {
        'name': 'g', 'policies': ['affinity', 'anti-affinity']}}
    ).status_code == 400
    assert client.post(SG, {'server_group': {
        'name': 'g', 'policies': []}}).status_code == 400


def test_isolation_and_all_projects(client, db):
    mine = _create(client).data['server_group']['id']
    theirs = _create(client, token='bob:p2').data['server_group']['id']
    assert client.get(SG + '/' + theirs).status_code == 404
    assert client.delete(SG + '/' + theirs).status_code == 404
    assert [g['id'] for g in client.get(SG).data['server_groups']] == [mine]
    assert [g['id'] for g in client.get(
        SG + '?all_projects=1').data['server_groups']] == [mine]
    admin = client.get(SG + '?all_projects=1', token='admin:admin').data
    assert [g['id'] for g in admin['server_groups']] == [mine, theirs]
    assert client.get(SG, token='admin:admin').data['server_groups'] == []
    assert client.get(SG + '/' + mine, token='admin:admin').status_code \
        == 200
    # limit / offset
    page = client.get(SG + '?all_projects=1&limit=1&offset=1',
                      token='admin:admin').data['server_groups']
    assert [g['id'] for g in page] == [theirs]
    assert client.get(SG + '?limit=x').status_code == 400
    assert client.get(SG + '?foo=1', version='2.75').status_code == 400
    assert client.get(SG + '?foo=1', version='2.74').status_code == 200


def test_server_group_quota(client, db):
    assert client.request('PUT', '/v2.1/os-quota-sets/p1', {
        'quota_set': {'server_groups': 1}}, token='admin:admin'
    ).status_code == 200
    assert _create(client).status_code == 200
    rsp = _create(client)
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == \
        'Quota exceeded, too many server groups.'
    detail = client.get('/v2.1/os-quota-sets/p1/detail').data['quota_set']
    assert detail['server_groups']['in_use'] == 1
    limits = client.get('/v2.1/limits').data['limits']['absolute']
    assert limits['totalServerGroupsUsed'] == 1


def _hint(cloud, group_id, **extra):
    body = _body(cloud, **extra)
    body['os:scheduler_hints'] = {'group': group_id}
    return body


def test_boot_into_group_joins_and_spec_carries_policy(
        client, cloud, conductor, admin):
    group = _create(client, '2.64', policy='anti-affinity',
                    rules={'max_server_per_host': 2}).data['server_group']
    rsp = client.post('/v2.1/servers', _hint(cloud, group['id'],
                                             max_count=2, min_count=2))
    assert rsp.status_code == 202, rsp.data
    members = client.get(SG + '/' + group['id']).data['server_group'][
        'members']
    assert len(members) == 2
    spec = instances.request_spec_get(admin, members[0])
    assert spec['instance_group'] == {
        'uuid': group['id'], 'policy': 'anti-affinity',
        'rules': {'max_server_per_host': 2}}
    server = client.get('/v2.1/servers/' + members[0],
                        version='2.71').data['server']
    assert server['server_groups'] == [group['id']]
    # A deleted server leaves the group.
    instances.destroy(admin, members[0])
    assert client.get(SG + '/' + group['id']).data['server_group'][
        'members'] == [members[1]]
    # Deleting the group leaves the server alone.
    assert client.delete(SG + '/' + group['id']).status_code == 204
    assert client.get('/v2.1/servers/' + members[1],
                      version='2.71').data['server']['server_groups'] == []


def test_boot_hint_unknown_or_foreign_group_is_400(client, cloud, conductor,
                                                   admin):
    missing = '7a6f29ad-e34d-4368-951a-58a08f11cfb7'
    rsp = client.post('/v2.1/servers', _hint(cloud, missing))
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        'Instance group %s could not be found.' % missing
    theirs = _create(client, token='bob:p2').data['server_group']['id']
    assert client.post('/v2.1/servers', _hint(cloud, theirs)).status_code \
        == 400
    rsp = client.post('/v2.1/servers', _hint(cloud, 'not-a-uuid'))
    assert rsp.status_code == 400
    assert 'group' in rsp.data['badRequest']['message']
    assert not instances.get_all(admin)


def test_members_quota(client, cloud, conductor, admin):
    assert client.request('PUT', '/v2.1/os-quota-sets/p1', {
        'quota_set': {'server_group_members': 2}}, token='admin:admin'
    ).status_code == 200
    group = _create(client).data['server_group']['id']
    rsp = client.post('/v2.1/servers', _hint(cloud, group, max_count=3,
                                             min_count=3))
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == \
        'Quota exceeded, too many servers in group'
    assert client.post('/v2.1/servers', _hint(
        cloud, group, max_count=2, min_count=2)).status_code == 202
    rsp = client.post('/v2.1/servers', _hint(cloud, group))
    assert rsp.status_code == 403


def test_add_members_recheck_deletes_the_servers(client, cloud, conductor,
                                                  admin, monkeypatch):
    """The group went away between the check and the join: 400 and the
    servers just written are deleted."""
    group = _create(client).data['server_group']['id']
    real = groups_db.add_members

    def gone(ctx, group_uuid, *a, **kw):
        groups_db.destroy(ctx, group_uuid)
        return real(ctx, group_uuid, *a, **kw)
    monkeypatch.setattr(groups_db, 'add_members', gone)
    rsp = client.post('/v2.1/servers', _hint(cloud, group))
    assert rsp.status_code == 400
    assert instances.get_all(admin) == []
    assert not conductor.calls
