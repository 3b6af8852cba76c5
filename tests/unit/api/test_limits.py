"""/limits: absolute limits with usage, per microversion."""

V21 = {'maxTotalRAMSize', 'maxTotalInstances', 'maxTotalCores',
       'maxTotalKeypairs', 'maxTotalFloatingIps', 'maxServerMeta',
       'maxImageMeta', 'maxPersonality', 'maxPersonalitySize',
       'maxSecurityGroups', 'maxSecurityGroupRules', 'maxServerGroups',
       'maxServerGroupMembers', 'totalRAMUsed', 'totalCoresUsed',
       'totalInstancesUsed', 'totalFloatingIpsUsed',
       'totalSecurityGroupsUsed', 'totalServerGroupsUsed'}
V236 = V21 - {'maxTotalFloatingIps', 'totalFloatingIpsUsed',
              'maxSecurityGroups', 'maxSecurityGroupRules',
              'totalSecurityGroupsUsed'}
V239 = V236 - {'maxImageMeta'}
V257 = V239 - {'maxPersonality', 'maxPersonalitySize'}


def test_limits_keys_per_version(client, db):
    for version, keys in (('2.1', V21), ('2.36', V236), ('2.39', V239),
                          ('2.57', V257), ('2.100', V257)):
        rsp = client.get('/v2.1/limits', version=version)
        assert rsp.status_code == 200
        assert rsp.data['limits']['rate'] == []
        assert set(rsp.data['limits']['absolute']) == keys, version


def test_limits_usage_reserved_and_tenant(client, cloud):
    body = {'server': {'name': 's', 'imageRef': cloud['image']['id'],
                       'flavorRef': '1'}}
    assert client.post('/v2.1/servers', body).status_code == 202
    absolute = client.get('/v2.1/limits?reserved=1').data['limits'][
        'absolute']
    assert absolute['totalInstancesUsed'] == 1
    assert absolute['totalCoresUsed'] == 1
    assert absolute['totalRAMUsed'] == 512
    assert absolute['maxTotalInstances'] == 10
    assert absolute['maxServerMeta'] == 128
    assert absolute['maxTotalKeypairs'] == 100
    # another project's limits: admin only
    assert client.get('/v2.1/limits?tenant_id=p2').status_code == 403
    other = client.get('/v2.1/limits?tenant_id=p1', token='admin:admin')
    assert other.data['limits']['absolute']['totalInstancesUsed'] == 1
    mine = client.get('/v2.1/limits', token='admin:admin')
    assert mine.data['limits']['absolute']['totalInstancesUsed'] == 0
    client.request('PUT', '/v2.1/os-quota-sets/p1', {'quota_set': {
        'instances': 3}}, token='admin:admin')
    assert client.get('/v2.1/limits').data['limits']['absolute'][
        'maxTotalInstances'] == 3


def test_limits_query_strict_from_275(client, db):
    assert client.get('/v2.1/limits?foo=1', version='2.74').status_code == \
        200
    rsp = client.get('/v2.1/limits?foo=1', version='2.75')
    assert rsp.status_code == 400
