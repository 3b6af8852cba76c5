def test_os_networks_at_21(client, cloud):
    nets = client.get('/v2.1/os-networks').data['networks']
    assert len(nets) == 1
    net = nets[0]
    assert (net['id'], net['label'], net['cidr']) == (
        cloud['network']['uuid'], 'private', '10.0.0.0/24')
    assert net['gateway'] is None and 'vlan' not in net
    shown = client.get('/v2.1/os-networks/' + net['id']).data['network']
    assert shown['label'] == 'private'
    admin_view = client.get('/v2.1/os-networks/' + net['id'],
                            token='admin:admin').data['network']
    assert 'vlan' in admin_view


def test_os_networks_gone_at_236(client, cloud):
    resp = client.get('/v2.1/os-networks', version='2.36')
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['code'] == 404
    assert client.get('/v2.1/os-networks', version='2.35').status_code == 200


def test_unknown_network_404(client, cloud):
    resp = client.get('/v2.1/os-networks/nope')
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == 'Network not found'
