"""os-quota-sets, os-quota-class-sets and quota enforcement on boot."""

import pytest

from novalite.api import server_create
from novalite.common.db import instances as instances_db

ADMIN = 'admin:admin'
V21_KEYS = {'instances', 'cores', 'ram', 'metadata_items', 'injected_files',
            'injected_file_content_bytes', 'injected_file_path_bytes',
            'key_pairs', 'server_groups', 'server_group_members',
            'floating_ips', 'fixed_ips', 'security_groups',
            'security_group_rules'}
NETWORK = {'floating_ips', 'fixed_ips', 'security_groups',
           'security_group_rules'}
INJECTED = {'injected_files', 'injected_file_content_bytes',
            'injected_file_path_bytes'}


def put(client, path, body, token=ADMIN, version=None):
    return client.request('PUT', path, body, token=token, version=version)


@pytest.mark.parametrize('version,keys', [
    ('2.1', V21_KEYS), ('2.36', V21_KEYS - NETWORK),
    ('2.57', V21_KEYS - NETWORK - INJECTED)])
def test_show_keys_per_version(client, db, version, keys):
    rsp = client.get('/v2.1/os-quota-sets/p1', version=version)
    assert rsp.status_code == 200
    assert set(rsp.data['quota_set']) == keys | {'id'}
    assert rsp.data['quota_set']['id'] == 'p1'
    assert rsp.data['quota_set']['instances'] == 10
    detail = client.get('/v2.1/os-quota-sets/p1/detail', version=version)
    assert set(detail.data['quota_set']) == keys | {'id'}
    assert detail.data['quota_set']['cores'] == {
        'limit': 20, 'in_use': 0, 'reserved': 0}
    defaults = client.get('/v2.1/os-quota-sets/p1/defaults',
                          token='bob:p2', version=version)
    assert defaults.status_code == 200
    assert set(defaults.data['quota_set']) == keys | {'id'}


def test_show_policy(client, db):
    assert client.get('/v2.1/os-quota-sets/p2').status_code == 403
    assert client.get('/v2.1/os-quota-sets/p2/detail').status_code == 403
    assert client.get('/v2.1/os-quota-sets/p2',
                      token=ADMIN).status_code == 200
    assert put(client, '/v2.1/os-quota-sets/p1', {
        'quota_set': {'instances': 5}}, token='alice:p1').status_code == 403
    assert client.delete('/v2.1/os-quota-sets/p1').status_code == 403


def test_update_project_and_user_then_delete(client, cloud):
    rsp = put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': '5', 'cores': 8, 'key_pairs': -1}})
    assert rsp.status_code == 200, rsp.data
    assert 'id' not in rsp.data['quota_set']
    assert rsp.data['quota_set']['instances'] == 5
    assert rsp.data['quota_set']['key_pairs'] == -1
    rsp = put(client, '/v2.1/os-quota-sets/p1?user_id=alice', {
        'quota_set': {'instances': 2}})
    assert rsp.data['quota_set']['instances'] == 2
    assert rsp.data['quota_set']['cores'] == 8
    # a user's limit cannot exceed what the project leaves
    rsp = put(client, '/v2.1/os-quota-sets/p1?user_id=bob', {
        'quota_set': {'instances': 4}})
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == (
        'Quota limit 4 for instances must be less than or equal to 3.')
    shown = client.get('/v2.1/os-quota-sets/p1?user_id=alice').data
    assert shown['quota_set']['instances'] == 2
    assert client.get('/v2.1/os-quota-sets/p1').data[
        'quota_set']['instances'] == 5
    assert client.delete('/v2.1/os-quota-sets/p1?user_id=alice',
                         token=ADMIN).status_code == 202
    assert client.get('/v2.1/os-quota-sets/p1?user_id=alice').data[
        'quota_set']['instances'] == 5
    assert client.delete('/v2.1/os-quota-sets/p1',
                         token=ADMIN).status_code == 202
    assert client.get('/v2.1/os-quota-sets/p1').data[
        'quota_set']['instances'] == 10


def test_update_below_usage_and_force(client, cloud):
    img = cloud['image']['id']
    assert client.post('/v2.1/servers', {'server': {
        'name': 's', 'imageRef': img, 'flavorRef': '1'}}).status_code == 202
    rsp = put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': 0}})
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == (
        'Quota limit 0 for instances must be greater than or equal to '
        'already used and reserved 1.')
    rsp = put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': 0, 'force': True}})
    assert rsp.status_code == 200
    detail = client.get('/v2.1/os-quota-sets/p1/detail').data['quota_set']
    assert detail['instances'] == {'limit': 0, 'in_use': 1, 'reserved': 0}
    assert detail['ram'] == {'limit': 51200, 'in_use': 512, 'reserved': 0}


def test_update_schema_per_version(client, db):
    rsp = put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'networks': 5}})
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        'The networks quota has been removed'
    assert put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'floating_ips': 5}}, version='2.36').status_code == 400
    assert put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'injected_files': 5}}, version='2.57').status_code == 400
    assert put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': -2}}).status_code == 400
    assert put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': 'x'}}).status_code == 400
    assert put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'bogus': 1}}).status_code == 400


def test_quota_class_sets(client, db):
    assert client.get('/v2.1/os-quota-class-sets/default').status_code == \
        403
    rsp = client.get('/v2.1/os-quota-class-sets/default', token=ADMIN)
    body = rsp.data['quota_class_set']
    assert body['id'] == 'default'
    assert 'server_groups' not in body and 'floating_ips' in body
    body = client.get('/v2.1/os-quota-class-sets/default', token=ADMIN,
                      version='2.50').data['quota_class_set']
    assert 'server_groups' in body and 'floating_ips' not in body
    body = client.get('/v2.1/os-quota-class-sets/default', token=ADMIN,
                      version='2.57').data['quota_class_set']
    assert 'injected_files' not in body
    rsp = put(client, '/v2.1/os-quota-class-sets/default', {
        'quota_class_set': {'instances': 7}})
    assert rsp.status_code == 200 and 'id' not in rsp.data['quota_class_set']
    assert rsp.data['quota_class_set']['instances'] == 7
    # the default class is every project's default
    assert client.get('/v2.1/os-quota-sets/p9/defaults').data[
        'quota_set']['instances'] == 7
    assert client.get('/v2.1/os-quota-sets/p1').data[
        'quota_set']['instances'] == 7
    assert put(client, '/v2.1/os-quota-class-sets/default', {
        'quota_class_set': {'instances': 7}},
        token='alice:p1').status_code == 403


def _boot(client, cloud, **extra):
    body = {'server': dict({'name': 's', 'imageRef': cloud['image']['id'],
                            'flavorRef': '1'}, **extra)}
    return client.post('/v2.1/servers', body)


def test_boot_quota_per_project_and_user(client, cloud):
    put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {'instances': 2}})
    put(client, '/v2.1/os-quota-sets/p1?user_id=alice', {'quota_set': {
        'instances': 1}})
    assert _boot(client, cloud).status_code == 202
    rsp = _boot(client, cloud)
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == (
        'Quota exceeded for instances: Requested 1, but already used 1 of '
        '1 instances')
    # bob (same project) still has the project's second slot
    body = {'server': {'name': 'b', 'imageRef': cloud['image']['id'],
                       'flavorRef': '1'}}
    assert client.post('/v2.1/servers', body,
                       token='bob:p1').status_code == 202
    assert client.post('/v2.1/servers', body,
                       token='bob:p1').status_code == 403


def test_cores_and_ram_quota(client, cloud):
    put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {'ram': 1000}})
    rsp = _boot(client, cloud, min_count=2)
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == (
        'Quota exceeded for ram: Requested 1024, but already used 0 of '
        '1000 ram')


def test_metadata_items_quota(client, cloud):
    put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {
        'metadata_items': 2}})
    rsp = _boot(client, cloud, metadata={'a': '1', 'b': '2', 'c': '3'})
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == \
        'Maximum number of metadata items exceeds 2'
    assert _boot(client, cloud, metadata={'a': '1'}).status_code == 202


def test_recheck_writes_nothing_on_overrun(client, cloud, conf):
    """A boot that passed the first check while a concurrent one wrote the
    last slot: 403 from inside the write, nothing of it written."""
    from novalite.common import context as nl_context
    put(client, '/v2.1/os-quota-sets/p1', {'quota_set': {'instances': 1}})
    ctx = nl_context.RequestContext(user_id='alice', project_id='p1',
                                    roles=['member'])
    body = {'server': {'name': 'late', 'imageRef': cloud['image']['id'],
                       'flavorRef': '1'}}
    plan = server_create.prepare(conf, ctx, body, '2.1')
    assert plan['count'] == 1
    # the concurrent boot's row lands between check and write
    assert _boot(client, cloud).status_code == 202

    class Conductor:
        def schedule_and_build_instances(self, *a, **kw):
            raise AssertionError('no cast after a failed recheck')

    with pytest.raises(Exception) as err:
        server_create.create(ctx, Conductor(), plan, body)
    assert err.value.code == 403
    assert err.value.message == ('Quota exceeded for instances: Requested '
                                 '1, but already used 1 of 1 instances')
    admin = nl_context.get_admin_context()
    assert instances_db.project_usage(admin, 'p1')['instances'] == 1
    # Not even a deleted row of it: the transaction rolled back.
    assert [i['display_name'] for i in instances_db.get_all(
        admin, {'deleted': True})] == []


def test_quota_class_server_groups_settable_before_250(client, db):
    rsp = put(client, '/v2.1/os-quota-class-sets/default', {
        'quota_class_set': {'server_groups': 3}})
    assert rsp.status_code == 200
    assert 'server_groups' not in rsp.data['quota_class_set']
    body = client.get('/v2.1/os-quota-class-sets/default', token=ADMIN,
                      version='2.50').data['quota_class_set']
    assert body['server_groups'] == 3
    assert put(client, '/v2.1/os-quota-class-sets/default', {
        'quota_class_set': {'floating_ips': 3}},
        version='2.50').status_code == 400
