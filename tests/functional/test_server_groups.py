"""Server groups against a real cloud with two compute hosts (compute1,
compute2; libvirt test:///default) and two schedulers: anti-affinity
spreads, affinity stacks, a third anti-affinity server finds no host,
max_server_per_host, members, quotas, racing boots into one group, the
openstack CLI (server group create/list/show/delete, server create --hint
group=) and tempest's response schemas."""

import concurrent.futures
import os
import subprocess
import uuid

import pytest

from novalite.tests.functional import conftest
from novalite.tests.functional import helpers
from novalite.tests.functional.test_keypairs_quotas import _openstack
from novalite.tools import tempest_schemas

SG = '/os-server-groups'


def _group(cloud, policy, rules=None, token='admin:admin'):
    body = {'name': 'sg-%s-%s' % (policy, uuid.uuid4().hex[:6]),
            'policy': policy}
    if rules:
        body['rules'] = rules
    rsp = cloud.http('POST', SG, token=token, version='2.64',
                     json={'server_group': body})
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['server_group']['id']


def _boot(cloud, group_id, name='sg', token='admin:admin', count=1):
    body = {'server': {'name': name, 'imageRef': cloud.image_id,
                       'flavorRef': '42', 'min_count': count,
                       'max_count': count,
                       'networks': [{'uuid': cloud.network_id}],
                       'return_reservation_id': count > 1},
            'os:scheduler_hints': {'group': group_id}}
    rsp = cloud.http('POST', '/servers', token=token, json=body,
                     version='2.1')
    assert rsp.status_code == 202, rsp.text
    if count == 1:
        return [rsp.json()['server']['id']]
    res_id = rsp.json()['reservation_id']
    listed = cloud.http('GET', '/servers?reservation_id=%s' % res_id,
                        token=token).json()['servers']
    assert len(listed) == count, listed
    return [s['id'] for s in listed]


def _boot_racing(cloud, group_id, n):
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return [sid for ids in pool.map(
            lambda i: _boot(cloud, group_id, 'sg-race-%d' % i), range(n))
            for sid in ids]


def _host(cloud, server_id):
    return helpers.wait_status(cloud, server_id, 'ACTIVE')[
        'OS-EXT-SRV-ATTR:host']


def _members(cloud, group_id):
    rsp = cloud.http('GET', SG + '/' + group_id)
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['server_group']['members']


def _cleanup(cloud, server_ids, group_id=None, token='admin:admin'):
    for sid in server_ids:
        cloud.http('DELETE', '/servers/' + sid, token=token)
    for sid in server_ids:
        helpers.wait_gone(cloud, sid)
    if group_id:
        cloud.http('DELETE', SG + '/' + group_id, token=token)


def test_anti_affinity_two_hosts_then_no_valid_host(cloud):
    group = _group(cloud, 'anti-affinity')
    ids = _boot_racing(cloud, group, 2)
    try:
        hosts = {_host(cloud, sid) for sid in ids}
        assert hosts == {'compute1', 'compute2'}
        ids += _boot(cloud, group, 'sg-third')
        third = helpers.wait_settled(cloud, ids[-1])
        assert third['status'] == 'ERROR'
        assert third['fault']['message'].startswith(
            'No valid host was found')
        assert sorted(_members(cloud, group)) == sorted(ids)
        # A deleted server leaves the group.
        cloud.http('DELETE', '/servers/' + ids[-1])
        helpers.wait_gone(cloud, ids[-1])
        assert sorted(_members(cloud, group)) == sorted(ids[:2])
        shown = cloud.http('GET', '/servers/' + ids[0],
                           version='2.71').json()['server']
        assert shown['server_groups'] == [group]
    finally:
        _cleanup(cloud, ids, group)
    assert cloud.http('GET', SG + '/' + group).status_code == 404


@pytest.mark.parametrize('cloud', conftest.BACKENDS, indirect=True)
def test_racing_boots_into_one_anti_affinity_group_never_share(cloud):
    """Two boots at once, two schedulers: every round, different hosts
    (the claim re-checks the group under its guard). On SQLite, MariaDB
    and PostgreSQL in `make test`: the guard is a row lock there."""
    for _round in range(3):
        group = _group(cloud, 'anti-affinity')
        ids = _boot_racing(cloud, group, 2)
        try:
            hosts = [_host(cloud, sid) for sid in ids]
            assert sorted(hosts) == ['compute1', 'compute2'], hosts
        finally:
            _cleanup(cloud, ids, group)


def test_affinity_stacks_racing_boots(cloud):
    group = _group(cloud, 'affinity')
    ids = _boot_racing(cloud, group, 3)
    try:
        assert len({_host(cloud, sid) for sid in ids}) == 1
    finally:
        _cleanup(cloud, ids, group)


def test_max_server_per_host_and_multi_create(cloud):
    group = _group(cloud, 'anti-affinity', {'max_server_per_host': 2})
    ids = _boot(cloud, group, 'sg-multi', count=4)
    try:
        hosts = sorted(_host(cloud, sid) for sid in ids)
        assert hosts == ['compute1', 'compute1', 'compute2', 'compute2']
        ids += _boot(cloud, group, 'sg-fifth')
        assert helpers.wait_settled(cloud, ids[-1])['status'] == 'ERROR'
        assert len(_members(cloud, group)) == 5
    finally:
        _cleanup(cloud, ids, group)


def test_multi_create_beyond_the_hosts_fails_whole(cloud):
    group = _group(cloud, 'anti-affinity')
    ids = _boot(cloud, group, 'sg-three', count=3)
    try:
        finals = [helpers.wait_settled(cloud, sid) for sid in ids]
        assert {s['status'] for s in finals} == {'ERROR'}
        assert all(s['fault']['message'].startswith('No valid host')
                   for s in finals)
        assert cloud.count("SELECT COUNT(*) FROM allocations WHERE "
                           "consumer_uuid IN ('%s')" % "','".join(ids)) == 0
    finally:
        _cleanup(cloud, ids, group)


def test_quotas(cloud):
    project = 'sgq%s' % uuid.uuid4().hex[:6]
    token = 'sguser:%s' % project
    rsp = cloud.http('PUT', '/os-quota-sets/' + project, json={
        'quota_set': {'server_groups': 1, 'server_group_members': 1}})
    assert rsp.status_code == 200, rsp.text
    group = _group(cloud, 'soft-anti-affinity', token=token)
    rsp = cloud.http('POST', SG, token=token, json={'server_group': {
        'name': 'over', 'policies': ['anti-affinity']}})
    assert rsp.status_code == 403
    assert rsp.json()['forbidden']['message'] == \
        'Quota exceeded, too many server groups.'
    ids = _boot(cloud, group, 'sg-q', token=token)
    try:
        body = {'server': {'name': 'sg-q2', 'imageRef': cloud.image_id,
                           'flavorRef': '42',
                           'networks': [{'uuid': cloud.network_id}]},
                'os:scheduler_hints': {'group': group}}
        rsp = cloud.http('POST', '/servers', token=token, json=body)
        assert rsp.status_code == 403
        assert rsp.json()['forbidden']['message'] == \
            'Quota exceeded, too many servers in group'
        # Another project cannot see, nor boot into, the group.
        assert cloud.http('GET', SG + '/' + group,
                          token='demo:demo').status_code == 404
        rsp = cloud.http('POST', '/servers', token='demo:demo', json=body)
        assert rsp.status_code == 400
        assert rsp.json()['badRequest']['message'] == \
            'Instance group %s could not be found.' % group
        helpers.wait_status(cloud, ids[0], 'ACTIVE')
    finally:
        _cleanup(cloud, ids, group, token=token)
        cloud.http('DELETE', '/os-quota-sets/' + project)


def test_cli_server_group_and_hint(cloud, tmp_path):
    name = 'sg-cli-%s' % uuid.uuid4().hex[:6]
    created = _openstack(cloud, tmp_path, 'server', 'group', 'create',
                         '--policy', 'anti-affinity', name)
    group = created['id']
    assert created['name'] == name
    assert 'anti-affinity' in str(created.get('policy') or
                                  created.get('policies'))
    listed = _openstack(cloud, tmp_path, 'server', 'group', 'list')
    assert group in {g['ID'] for g in listed}
    server = _openstack(cloud, tmp_path, 'server', 'create', '--image',
                        cloud.image_id, '--flavor', 'm1.nano', '--nic',
                        'none', '--hint', 'group=%s' % group, '--wait',
                        'sg-cli-server')
    try:
        shown = _openstack(cloud, tmp_path, 'server', 'group', 'show',
                           group)
        assert server['id'] in str(shown['members'])
    finally:
        _openstack(cloud, tmp_path, 'server', 'delete', server['id'],
                   ok=None)
        helpers.wait_gone(cloud, server['id'])
    _openstack(cloud, tmp_path, 'server', 'group', 'delete', group, ok=None)
    assert group not in {g['ID'] for g in _openstack(
        cloud, tmp_path, 'server', 'group', 'list')}


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_tempest_schemas_server_groups(cloud):
    """tempest's ServerGroupsClient and response schemas at every
    microversion the cloud advertises."""
    script = os.path.join(tempest_schemas.REPO, 'tools',
                          'tempest_check_sg.py')
    proc = subprocess.run([tempest_schemas.ensure(), script,
                           cloud.endpoint, cloud.image_id, cloud.network_id],
                          capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert 'OK: ' in output


def _race(n, func):
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _i: func(), range(n)))


def test_quotas_hold_under_racing_requests(cloud):
    """server_groups 1: of two racing creates one is a 403;
    server_group_members 1: of two racing boots into a group one is."""
    project = 'sgr%s' % uuid.uuid4().hex[:6]
    token = 'sgracer:%s' % project
    rsp = cloud.http('PUT', '/os-quota-sets/' + project, json={
        'quota_set': {'server_groups': 1, 'server_group_members': 1}})
    assert rsp.status_code == 200, rsp.text
    created = _race(2, lambda: cloud.http(
        'POST', SG, token=token, json={'server_group': {
            'name': 'race', 'policies': ['anti-affinity']}}))
    assert sorted(r.status_code for r in created) == [200, 403]
    group = [r for r in created if r.status_code == 200][0].json()[
        'server_group']['id']
    body = {'server': {'name': 'sg-race', 'imageRef': cloud.image_id,
                       'flavorRef': '42',
                       'networks': [{'uuid': cloud.network_id}]},
            'os:scheduler_hints': {'group': group}}
    booted = _race(2, lambda: cloud.http('POST', '/servers', token=token,
                                         json=body))
    ids = [r.json()['server']['id'] for r in booted
           if r.status_code == 202]
    try:
        assert sorted(r.status_code for r in booted) == [202, 403], \
            [r.text for r in booted]
        assert _members(cloud, group) == ids
        listed = cloud.http('GET', '/servers', token=token).json()
        assert [s['id'] for s in listed['servers']] == ids
    finally:
        _cleanup(cloud, ids, group, token=token)
        cloud.http('DELETE', '/os-quota-sets/' + project)


def test_soft_anti_affinity_spreads_but_never_refuses(cloud):
    group = _group(cloud, 'soft-anti-affinity')
    ids = []
    try:
        for i in range(3):
            ids += _boot(cloud, group, 'sg-soft-%d' % i)
            helpers.wait_status(cloud, ids[-1], 'ACTIVE')
        hosts = [_host(cloud, sid) for sid in ids]
        assert sorted(hosts[:2]) == ['compute1', 'compute2'], hosts
    finally:
        _cleanup(cloud, ids, group)
