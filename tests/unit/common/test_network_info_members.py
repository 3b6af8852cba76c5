"""common/db/network_info: who is a member of a security group, which
decides the addresses a group admitting its own members lets in."""

from novalite.common.db import network_info
from novalite.common.db import networks as networks_db
from novalite.common.db import instances as instances_db
from novalite.common.db import models
from novalite.common.db import session
from novalite.tests.unit.conductor import test_build
from novalite.tests.unit.scheduler import fakes


def _default_members(ctx):
    with session.reader(ctx) as s:
        group = s.query(models.SecurityGroup).filter_by(
            project_id=ctx.project_id, name='default').one()
        return network_info._members(s, group)


def test_members_are_the_projects_live_servers_in_the_group(db, ctx):
    fakes.add_compute(ctx, 'h1')
    net = networks_db.create_network(ctx, 'private', '10.0.0.0/24')
    plain, _ = test_build._boot(ctx, 3, networks=[net['uuid']])
    network_info.for_boot(ctx, plain)        # makes the default group
    # One server in another group only; one deleted.
    with session.writer(ctx) as s:
        s.query(models.Instance).filter_by(uuid=plain[1]).update(
            {'security_groups': ['web']})
    instances_db.destroy(ctx, plain[2])
    addresses = {p['address'] for p in network_info.for_instances(
        ctx, plain[:1])[plain[0]]}
    assert set(_default_members(ctx)) == addresses
    # A NULL group list means the default group, as Nova's does.
    with session.writer(ctx) as s:
        s.query(models.Instance).filter_by(uuid=plain[1]).update(
            {'security_groups': None})
    assert len(_default_members(ctx)) == 2


def test_group_names_from_each_drivers_form_of_the_column():
    assert network_info._group_names(None) == {'default'}
    assert network_info._group_names('["web", "db"]') == {'web', 'db'}
    assert network_info._group_names('[]') == {'default'}
    assert network_info._group_names(['web']) == {'web'}   # PostgreSQL
    assert network_info._group_names([]) == {'default'}
