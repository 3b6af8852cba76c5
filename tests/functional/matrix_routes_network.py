"""Isolation matrix rows for the Neutron-shaped network API under
/network (joined to test_isolation_matrix.ROUTES there; ``targets`` makes
the resources they act on). The shared ``private`` network is everyone's
to read and to put ports on, but only an admin's to change; what a persona
creates is its own (``matrix-{persona}``); another project's private
network, subnet, port, security group or rule is a 404 (Neutron: what the
caller may not see does not exist), a reader's write a 403 (the reader
sees the resource, so Neutron's answer is the policy's)."""

from .test_isolation_matrix import A, Route

N = '/network/v2.0'
MISSING = '00000000-0000-0000-0000-000000000000'
PRIVATE_CIDR = '10.251.0.0/24'

ROUTES = [
    Route('GET', '/network/', (200, 200, 200, 200, 200),
          note='version document'),
    Route('GET', N + '/extensions', (200, 200, 200, 200, A)),
    # -- networks ------------------------------------------------------------
    Route('GET', N + '/networks', (200, 200, 200, 200, A)),
    Route('GET', N + '/networks/{network}', (200, 200, 200, 200, A),
          note='the shared default network'),
    Route('GET', N + '/networks/' + MISSING, (404, 404, 404, 404, A)),
    Route('POST', N + '/networks', (201, 201, 403, 201, A),
          body={'network': {'name': 'matrix-{persona}'}},
          note='own network each'),
    Route('POST', N + '/networks?shared', (201, 403, 403, 403, A),
          body={'network': {'name': 'matrix-shared-{persona}',
                            'shared': True}}, note='shared: admin only'),
    Route('PUT', N + '/networks/{network}', (200, 403, 403, 403, A),
          body={'network': {'description': 'matrix'}},
          note='the shared network: admin only'),
    Route('DELETE', N + '/networks/{network}', (409, 403, 403, 403, A),
          why='ports still in use',
          note="the shared network: admin only, 409 (servers' ports)"),
    Route('GET', N + '/networks/{net_private}', (200, 200, 200, 404, A),
          note="the member's private network"),
    Route('PUT', N + '/networks/{net_private}', (200, 200, 403, 404, A),
          body={'network': {'name': 'matrix-private'}}),
    Route('PUT', N + '/networks/{net_share}', (200, 403, 403, 404, A),
          body={'network': {'shared': True}},
          note='sharing: admin only (admin: its own target)'),
    Route('DELETE', N + '/networks/{net_victim}', (204, 204, 403, 404, A),
          note='own victim network each'),
    Route('DELETE', N + '/networks/' + MISSING, (404, 404, 404, 404, A)),
    # -- subnets -------------------------------------------------------------
    Route('GET', N + '/subnets', (200, 200, 200, 200, A)),
    Route('GET', N + '/subnets/{shared_subnet}', (200, 200, 200, 200, A),
          note="the shared network's subnet"),
    Route('GET', N + '/subnets/' + MISSING, (404, 404, 404, 404, A)),
    Route('POST', N + '/subnets', (201, 201, 403, 404, A),
          body={'subnet': {'network_id': '{net_private}', 'ip_version': 4,
                           'cidr': '{new_cidr}',
                           'name': 'matrix-{persona}'}},
          note="on the member's private network, own cidr each"),
    Route('POST', N + '/subnets?shared', (400, 403, 403, 403, A),
          body={'subnet': {'network_id': '{network}', 'ip_version': 4,
                           'cidr': '{shared_cidr}'}}, why='overlaps',
          note='on the shared network: its owner (admin) only; 400 '
          'overlap'),
    Route('PUT', N + '/subnets/{shared_subnet}', (200, 403, 403, 403, A),
          body={'subnet': {'description': 'matrix'}}),
    Route('DELETE', N + '/subnets/{shared_subnet}', (409, 403, 403, 403, A),
          why='IP allocation', note="409: servers' ports"),
    Route('GET', N + '/subnets/{subnet_private}', (200, 200, 200, 404, A),
          note="on the member's private network"),
    Route('PUT', N + '/subnets/{subnet_private}', (200, 200, 403, 404, A),
          body={'subnet': {'name': 'matrix-private'}}),
    Route('DELETE', N + '/subnets/{subnet_victim}', (204, 204, 403, 404, A),
          note='own victim subnet each'),
    # -- ports ---------------------------------------------------------------
    Route('GET', N + '/ports', (200, 200, 200, 200, A)),
    Route('GET', N + '/ports?device_id={server}', (200, 200, 200, 200, A),
          note="another project's ports are filtered out"),
    Route('POST', N + '/ports', (201, 201, 403, 201, A),
          body={'port': {'network_id': '{network}',
                         'name': 'matrix-{persona}'}},
          note='on the shared network'),
    Route('POST', N + '/ports?private', (201, 201, 403, 404, A),
          body={'port': {'network_id': '{net_private}',
                         'name': 'matrix-{persona}'}},
          note="on the member's private network"),
    Route('GET', N + '/ports/' + MISSING, (404, 404, 404, 404, A)),
    Route('GET', N + '/ports/{server_port}', (200, 200, 200, 404, A),
          note="the member's server's port"),
    Route('PUT', N + '/ports/{server_port}', (200, 200, 403, 404, A),
          body={'port': {'name': 'matrix-server'}}),
    Route('GET', N + '/ports/{port_private}', (200, 200, 200, 404, A),
          note="the member's port on its private network"),
    Route('PUT', N + '/ports/{port_private}', (200, 200, 403, 404, A),
          body={'port': {'name': 'matrix-private'}}),
    Route('DELETE', N + '/ports/{port_victim}', (204, 204, 403, 404, A),
          note='own victim port each'),
    # -- security groups -----------------------------------------------------
    Route('GET', N + '/security-groups', (200, 200, 200, 200, A)),
    Route('POST', N + '/security-groups', (201, 201, 403, 201, A),
          body={'security_group': {'name': 'matrix-{persona}'}},
          note='own group each'),
    Route('GET', N + '/security-groups/' + MISSING, (404, 404, 404, 404, A)),
    Route('GET', N + '/security-groups/{secgroup}', (200, 200, 200, 404, A),
          note="the member's group"),
    Route('PUT', N + '/security-groups/{secgroup}', (200, 200, 403, 404, A),
          body={'security_group': {'description': 'matrix'}}),
    Route('DELETE', N + '/security-groups/{secgroup_victim}',
          (204, 204, 403, 404, A), note='own victim group each'),
    # -- security group rules ------------------------------------------------
    Route('GET', N + '/security-group-rules', (200, 200, 200, 200, A)),
    Route('GET', N + '/security-group-rules/' + MISSING,
          (404, 404, 404, 404, A)),
    Route('POST', N + '/security-group-rules', (201, 201, 403, 404, A),
          body={'security_group_rule': {
              'security_group_id': '{secgroup}', 'direction': 'ingress',
              'remote_ip_prefix': '{rule_prefix}'}},
          note="in the member's group, own prefix each"),
    Route('GET', N + '/security-group-rules/{sg_rule}',
          (200, 200, 200, 404, A), note="in the member's group"),
    Route('DELETE', N + '/security-group-rules/{rule_victim}',
          (204, 204, 403, 404, A), note='own victim rule each'),
    Route('PUT', N + '/security-group-rules/{sg_rule}',
          (400, 400, 400, 400, A),
          body={'security_group_rule': {'direction': 'egress'}},
          note='read-only: 400 before any lookup or policy, as Neutron'),
    Route('PUT', N + '/networks/{net_private}?shared',
          (200, 403, 403, 404, A), body={'network': {'shared': False}},
          note='update_network:shared checked whenever shared is set'),
]


def _made(cloud, persona, collection, body):
    rsp = cloud.http('POST', N + '/' + collection, persona, json=body)
    assert rsp.status_code == 201, rsp.text
    return next(iter(rsp.json().values()))['id']


def targets(cloud, common, own):
    """Add to ``common``: the member's private network ``net_private``
    with its subnet ``subnet_private`` and port ``port_private``, the
    member's group ``secgroup`` with its rule ``sg_rule``, the shared
    network's subnet ``shared_subnet`` and ``shared_cidr``, the member's
    server's port ``server_port``. Add to ``own`` (admin, member): a victim
    network, subnet, port, group and rule each (all the member's), the
    cidr and rule prefix each creates, and ``net_share``, the network each
    tries to share (the admin's its own)."""
    def network(name):
        return _made(cloud, 'member', 'networks',
                     {'network': {'name': name}})

    def subnet(net, cidr, name):
        return _made(cloud, 'member', 'subnets', {'subnet': {
            'network_id': net, 'cidr': cidr, 'ip_version': 4,
            'name': name}})

    def port(net, name):
        return _made(cloud, 'member', 'ports',
                     {'port': {'network_id': net, 'name': name}})

    def group(name):
        return _made(cloud, 'member', 'security-groups',
                     {'security_group': {'name': name}})

    def rule(group_id, prefix):
        return _made(cloud, 'member', 'security-group-rules', {
            'security_group_rule': {
                'security_group_id': group_id, 'direction': 'ingress',
                'remote_ip_prefix': prefix}})

    net = network('matrix-private')
    common['net_private'] = net
    # First, so the ports on the network take their addresses from it.
    common['subnet_private'] = subnet(net, PRIVATE_CIDR, 'matrix-private')
    common['port_private'] = port(net, 'matrix-private')
    common['secgroup'] = group('matrix-net-sg')
    common['sg_rule'] = rule(common['secgroup'], '10.8.0.0/24')
    rsp = cloud.http('GET', N + '/networks/' + common['network'], 'member')
    assert rsp.status_code == 200, rsp.text
    common['shared_subnet'] = rsp.json()['network']['subnets'][0]
    rsp = cloud.http('GET', N + '/subnets/' + common['shared_subnet'],
                     'member')
    assert rsp.status_code == 200, rsp.text
    common['shared_cidr'] = rsp.json()['subnet']['cidr']
    rsp = cloud.http('GET', N + '/ports?device_id=' + common['server'],
                     'member')
    assert rsp.status_code == 200 and rsp.json()['ports'], rsp.text
    common['server_port'] = rsp.json()['ports'][0]['id']
    for i, persona in enumerate(('admin', 'member'), 1):
        name = 'matrix-victim-' + persona
        own[persona].update(
            net_victim=network(name),
            subnet_victim=subnet(net, '10.251.%d.0/24' % i, name),
            port_victim=port(net, name),
            secgroup_victim=group(name),
            rule_victim=rule(common['secgroup'], '10.8.%d.0/24' % i),
            new_cidr='10.251.%d.0/24' % (10 + i),
            rule_prefix='10.9.%d.0/24' % i,
            net_share=net if persona == 'member' else network(
                'matrix-share-admin'))
