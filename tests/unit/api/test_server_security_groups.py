"""A server's security groups: GET /servers/<id>/os-security-groups and
the addSecurityGroup / removeSecurityGroup actions, as Nova answers them
(against the built-in registry), and the refresh of running guests."""

import pytest
from sqlalchemy import select

from novalite.api import secgroup_refresh
from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import secgroup_rules
from novalite.common.db import session


@pytest.fixture
def refreshed(monkeypatch):
    calls = []
    monkeypatch.setattr(secgroup_refresh, 'instances_changed',
                        lambda conf, ctx, uuids, old_groups=(): calls.append(
                            (list(uuids), sorted(old_groups))))
    return calls


@pytest.fixture
def server(admin, cloud):
    return instances.create_instances(admin, [{
        'display_name': 'vm', 'project_id': 'p1', 'user_id': 'alice',
        'image_ref': cloud['image']['id'], 'flavor': {},
        'security_groups': ['default']}], {},
        [cloud['network']['uuid']])[0]


@pytest.fixture
def web(admin):
    group = secgroup_rules.create_group(admin, 'web', 'the web', 'p1')
    secgroup_rules.create_rule(admin, group['id'], {
        'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
        'port_range_min': 80, 'port_range_max': 80,
        'remote_ip_prefix': '10.0.0.0/8', 'remote_group_id': None})
    secgroup_rules.create_rule(admin, group['id'], {
        'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'icmp',
        'port_range_min': None, 'port_range_max': None,
        'remote_ip_prefix': None, 'remote_group_id': group['id']})
    return group


def _act(client, sid, action, name, token='alice:p1'):
    return client.post('/v2.1/servers/%s/action' % sid,
                       {action: {'name': name}}, token=token)


def _names(client, sid, token='alice:p1'):
    rsp = client.get('/v2.1/servers/%s/os-security-groups' % sid,
                     token=token)
    assert rsp.status_code == 200, rsp.data
    return [g['name'] for g in rsp.data['security_groups']]


def _uuid(admin, name, project='p1'):
    with session.reader(admin) as s:
        return s.execute(select(models.SecurityGroup.uuid).filter_by(
            name=name, project_id=project)).scalar_one()


def test_list_shows_the_project_default_with_novas_fields(client, server):
    rsp = client.get('/v2.1/servers/%s/os-security-groups' % server['uuid'])
    assert rsp.status_code == 200
    (group,) = rsp.data['security_groups']
    assert set(group) == {'id', 'name', 'description', 'tenant_id', 'rules'}
    assert (group['name'], group['tenant_id']) == ('default', 'p1')
    # Neutron's default ingress rules: from members of the group itself.
    assert len(group['rules']) == 2
    for rule in group['rules']:
        assert rule['group'] == {'name': 'default', 'tenant_id': 'p1'}
        assert rule['ip_range'] == {} and rule['parent_group_id'] == \
            group['id']


def test_add_and_remove(client, admin, server, web, refreshed):
    sid = server['uuid']
    rsp = _act(client, sid, 'addSecurityGroup', 'web')
    assert rsp.status_code == 202 and rsp.body == b''
    default = _uuid(admin, 'default')
    assert refreshed[-1] == ([sid], [default])
    assert instances.get(admin, sid)['security_groups'] == ['default', 'web']
    assert _names(client, sid) == ['default', 'web']
    shown = client.get('/v2.1/servers/' + sid).data['server']
    assert shown['security_groups'] == [{'name': 'default'}, {'name': 'web'}]
    (group,) = [g for g in client.get(
        '/v2.1/servers/%s/os-security-groups' % sid).data[
        'security_groups'] if g['name'] == 'web']
    assert group['description'] == 'the web'
    tcp, icmp = group['rules']
    assert (tcp['ip_protocol'], tcp['from_port'], tcp['to_port'],
            tcp['ip_range'], tcp['group']) == (
        'tcp', 80, 80, {'cidr': '10.0.0.0/8'}, {})
    assert (icmp['from_port'], icmp['to_port'], icmp['group']) == (
        -1, -1, {'name': 'web', 'tenant_id': 'p1'})
    # Already in it: nothing changes (Neutron keeps a set), still 202.
    assert _act(client, sid, 'addSecurityGroup', web['id']).status_code == \
        202
    assert instances.get(admin, sid)['security_groups'] == ['default', 'web']
    rsp = _act(client, sid, 'removeSecurityGroup', 'web')
    assert rsp.status_code == 202
    assert refreshed[-1] == ([sid], sorted([default, web['id']]))
    assert _names(client, sid) == ['default']
    rsp = _act(client, sid, 'removeSecurityGroup', 'web')
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == (
        'Security group web not associated with the instance %s' % sid)


def test_admin_acts_in_the_servers_project(client, admin, server, web,
                                           refreshed):
    assert _act(client, server['uuid'], 'addSecurityGroup', 'web',
                token='admin:admin').status_code == 202
    assert _names(client, server['uuid'], token='admin:admin') == [
        'default', 'web']


def test_refusals(client, admin, server, web, refreshed):
    sid = server['uuid']
    rsp = _act(client, sid, 'addSecurityGroup', 'nosuch')
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == \
        'Security group nosuch is not found for project p1'
    # Another project's group is not found either.
    secgroup_rules.create_group(admin, 'theirs', '', 'p2')
    assert _act(client, sid, 'addSecurityGroup', 'theirs').status_code == 404
    for body, message in (
            ({'addSecurityGroup': None}, 'Missing parameter dict'),
            ({'addSecurityGroup': {}}, 'Security group not specified'),
            ({'removeSecurityGroup': {'name': '  '}},
             'Security group name cannot be empty')):
        rsp = client.post('/v2.1/servers/%s/action' % sid, body)
        assert rsp.status_code == 400
        assert rsp.data['badRequest']['message'] == message
    # Another project's server is a 404, whatever the body.
    for action in ('addSecurityGroup', 'removeSecurityGroup'):
        assert _act(client, sid, action, 'web',
                    token='bob:p2').status_code == 404
    assert client.get('/v2.1/servers/%s/os-security-groups' % sid,
                      token='bob:p2').status_code == 404
    assert _act(client, 'nosuch', 'addSecurityGroup',
                'web').status_code == 404
    # The last group stays: here a server without groups would be in its
    # project's default one.
    rsp = _act(client, sid, 'removeSecurityGroup', 'default')
    assert rsp.status_code == 400
    assert 'last security group' in rsp.data['badRequest']['message']
    assert refreshed == []
    assert client.request('DELETE', '/v2.1/servers/%s/os-security-groups'
                          % sid).status_code == 405


def test_ports_with_their_own_groups_change_too(client, admin, server, web,
                                                refreshed):
    """A port made through the network API carries its groups: as Nova
    updates every port in Neutron, the action changes them too."""
    with session.writer(admin) as s:
        port = s.execute(select(models.Port).filter_by(
            instance_uuid=server['uuid'])).scalar_one()
        port.project_id = 'p1'
        port_id = port.id

    def port_groups():
        with session.reader(admin) as s:
            return set(s.execute(select(models.SecurityGroup.name).join(
                models.PortSecurityGroup,
                models.PortSecurityGroup.security_group_id ==
                models.SecurityGroup.id).where(
                models.PortSecurityGroup.port_id == port_id)).scalars())
    assert _act(client, server['uuid'], 'addSecurityGroup',
                'web').status_code == 202
    assert port_groups() == {'web'}
    assert 'web' in _names(client, server['uuid'])
    assert _act(client, server['uuid'], 'removeSecurityGroup',
                'web').status_code == 202
    assert port_groups() == set()
