import pytest

from novalite.common.db import networks
from novalite.common.db import session
from novalite.common import exception


def test_ensure_default_is_idempotent(db, admin_ctx):
    first = networks.ensure_default(admin_ctx)
    second = networks.ensure_default(admin_ctx)
    assert first['uuid'] == second['uuid']
    assert (first['name'], first['cidr']) == ('private', '10.0.0.0/24')
    assert len(networks.get_networks(admin_ctx)) == 1
    groups = networks.get_security_groups(admin_ctx, ['default'])
    assert [g['name'] for g in groups] == ['default']


def test_ports_take_lowest_free_address_and_stay_unique(db, admin_ctx):
    net = networks.create_network(admin_ctx, 'n', '192.168.5.0/29')
    a = networks.allocate_ports(admin_ctx, 'i-a', [net['uuid']])
    b = networks.allocate_ports(admin_ctx, 'i-b', [net['uuid']])
    # .0 network, .1 gateway: first host address handed out is .2
    assert [a[0]['address'], b[0]['address']] == ['192.168.5.2',
                                                  '192.168.5.3']
    assert a[0]['network_id'] == net['uuid'] and a[0]['network_name'] == 'n'
    networks.delete_instance_ports(admin_ctx, 'i-a')
    c = networks.allocate_ports(admin_ctx, 'i-c', [net['uuid']])
    assert c[0]['address'] == '192.168.5.2'   # freed address is reused


def test_network_exhaustion_raises(db, admin_ctx):
    net = networks.create_network(admin_ctx, 'tiny', '10.9.0.0/30')
    networks.allocate_ports(admin_ctx, 'i-1', [net['uuid']])  # .2 only
    with pytest.raises(exception.NoFixedIpsAvailable):
        networks.allocate_ports(admin_ctx, 'i-2', [net['uuid']])
    assert networks.get_instance_ports(admin_ctx, 'i-2') == []


def test_duplicate_address_rejected_by_constraint(db, admin_ctx):
    net = networks.create_network(admin_ctx, 'n', '10.1.0.0/24')
    port = networks.allocate_ports(admin_ctx, 'i-1', [net['uuid']])[0]
    from novalite.common.db import models
    with pytest.raises(session.DBDuplicateEntry):
        with session.writer(admin_ctx) as s:
            s.add(models.Port(uuid='p2', network_id=1, instance_uuid='i-2',
                              address=port['address'],
                              mac_address='fa:16:3e:00:00:01'))


def test_ports_by_instances_batches(db, admin_ctx):
    n1 = networks.create_network(admin_ctx, 'one', '10.1.0.0/24')
    n2 = networks.create_network(admin_ctx, 'two', '10.2.0.0/24')
    networks.allocate_ports(admin_ctx, 'x', [n1['uuid'], n2['uuid']])
    networks.allocate_ports(admin_ctx, 'y', [n2['uuid']])
    ports = networks.get_ports_by_instances(admin_ctx, ['x', 'y', 'z'])
    assert [p['network_name'] for p in ports['x']] == ['one', 'two']
    assert [p['address'] for p in ports['y']] == ['10.2.0.3']
    assert ports['z'] == []


def test_private_network_hidden_from_other_projects(db, admin_ctx, ctx):
    net = networks.create_network(admin_ctx, 'theirs', '10.3.0.0/24',
                                  project_id='other')
    with pytest.raises(exception.NetworkNotFound):
        networks.get_network(ctx, net['uuid'])
    assert networks.get_network(admin_ctx, net['uuid'])['name'] == 'theirs'
