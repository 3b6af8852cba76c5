"""Glance's metadata definitions, read-only (api/controllers/metadefs.py):
what Horizon's Launch Instance dialog reads through glanceclient, which
validates each namespace against /v2/schemas/metadefs/namespace."""

import jsonschema

NS = '/image/v2/metadefs/namespaces'


def _names(client, query=''):
    rsp = client.get(NS + query)
    assert rsp.status_code == 200, rsp.body
    return [ns['namespace'] for ns in rsp.data['namespaces']]


def test_schema_validates_what_is_served(client):
    schema = client.get('/image/v2/schemas/metadefs/namespace')
    assert schema.status_code == 200, schema.body
    assert schema.data['name'] == 'namespace'
    plural = client.get('/image/v2/schemas/metadefs/namespaces').data
    assert plural['name'] == 'namespaces'
    for name in _names(client):
        for rtype in (None, 'OS::Nova::Flavor', 'OS::Glance::Image'):
            query = '?resource_type=' + rtype if rtype else ''
            body = client.get('%s/%s%s' % (NS, name, query)).data
            body.pop('self')     # as glanceclient does
            jsonschema.validate(body, schema.data)
    for ns in client.get(NS).data['namespaces']:
        ns.pop('self')
        jsonschema.validate(ns, schema.data)


def test_horizon_launch_instance_queries(client):
    # glanceclient's list as Horizon's metadefs_namespace_list calls it.
    rsp = client.get(NS + '?limit=1000&sort_key=namespace&sort_dir=asc'
                     '&resource_types=OS%3A%3ANova%3A%3AFlavor'
                     '&properties_target=')
    assert rsp.status_code == 200, rsp.body
    flavor = [ns['namespace'] for ns in rsp.data['namespaces']]
    assert flavor == sorted(flavor) and flavor
    assert 'next' not in rsp.data
    for rtype in ('OS::Glance::Image', 'OS::Nova::Server'):
        assert _names(client, '?resource_types=' + rtype)
    assert _names(client, '?resource_types=OS::Nova::Nothing') == []
    both = _names(client, '?resource_types=OS::Nova::Flavor,'
                          'OS::Nova::Server')
    assert set(flavor) < set(both)


def test_prefix_of_the_resource_type(client):
    url = NS + '/OS::Compute::Libvirt'
    plain = client.get(url).data['properties']
    assert 'serial_port_count' in plain
    assert 'hw:serial_port_count' in client.get(
        url + '?resource_type=OS::Nova::Flavor').data['properties']
    assert 'hw_serial_port_count' in client.get(
        url + '?resource_type=OS::Glance::Image').data['properties']


def test_paging_follows_next(client):
    everything = _names(client, '?sort_key=namespace&sort_dir=asc')
    seen, url = [], NS + '?limit=1&sort_key=namespace&sort_dir=asc'
    while url:
        body = client.get('/image' + url if url.startswith('/v2') else
                          url).data
        seen += [ns['namespace'] for ns in body['namespaces']]
        url = body.get('next')
    assert seen == everything
    assert client.get(NS + '?marker=nope').status_code == 404
    assert client.get(NS + '?limit=x').status_code == 400


def test_unknown_namespace_and_writes(client):
    assert client.get(NS + '/OS::Nope').status_code == 404
    assert client.post(NS, {'namespace': 'mine'}).status_code == 405
    assert client.delete(NS + '/OS::Compute::Libvirt').status_code == 405
    types = client.get('/image/v2/metadefs/resource_types').data
    assert {'OS::Nova::Flavor', 'OS::Glance::Image', 'OS::Nova::Server'} <= {
        t['name'] for t in types['resource_types']}
