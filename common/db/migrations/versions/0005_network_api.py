"""Neutron-shaped network API: subnets, security group rules, port
attributes and port security groups

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:40:00
"""
import ipaddress
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _defaults_for(cidr):
    # As common/db/network_api.subnet_defaults, frozen here.
    net = ipaddress.ip_network(cidr, strict=False)
    first = net.network_address + 1
    last = net.broadcast_address - (1 if net.version == 4 else 0)
    return {'cidr': str(net), 'ip_version': net.version,
            'gateway_ip': str(first),
            'allocation_pools': [{'start': str(first + 1),
                                  'end': str(last)}]}


def upgrade():
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('admin_state_up', sa.Boolean(),
                                      nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('description', sa.String(length=255),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.alter_column('instance_uuid',
                              existing_type=sa.String(length=36),
                              nullable=True)
        batch_op.alter_column('address', existing_type=sa.String(length=39),
                              nullable=True)
        batch_op.add_column(sa.Column('project_id', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=255),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('device_owner', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('admin_state_up', sa.Boolean(),
                                      nullable=False,
                                      server_default=sa.true()))
    op.create_table(
        'subnets',
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('cidr', sa.String(length=43), nullable=False),
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.Column('gateway_ip', sa.String(length=39), nullable=True),
        sa.Column('enable_dhcp', sa.Boolean(), nullable=False),
        sa.Column('dns_nameservers', sa.JSON(), nullable=False),
        sa.Column('allocation_pools', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid'))
    op.create_index('ix_subnets_network_id', 'subnets', ['network_id'])
    op.create_table(
        'security_group_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('security_group_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('ethertype', sa.String(length=16), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=True),
        sa.Column('port_range_min', sa.Integer(), nullable=True),
        sa.Column('port_range_max', sa.Integer(), nullable=True),
        sa.Column('remote_ip_prefix', sa.String(length=255), nullable=True),
        sa.Column('remote_group_id', sa.String(length=36), nullable=True),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['security_group_id'], ['security_groups.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid'))
    op.create_index('ix_security_group_rules_security_group_id',
                    'security_group_rules', ['security_group_id'])
    op.create_table(
        'port_security_groups',
        sa.Column('port_id', sa.Integer(), nullable=False),
        sa.Column('security_group_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['security_group_id'], ['security_groups.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('port_id', 'security_group_id'))
    op.create_index('ix_port_security_groups_security_group_id',
                    'port_security_groups', ['security_group_id'])
    # Every existing network gets the subnet its cidr always was.
    conn = op.get_bind()
    subnets = sa.table(
        'subnets', sa.column('created_at', sa.DateTime),
        sa.column('uuid', sa.String), sa.column('network_id', sa.Integer),
        sa.column('project_id', sa.String), sa.column('name', sa.String),
        sa.column('description', sa.String), sa.column('cidr', sa.String),
        sa.column('ip_version', sa.Integer),
        sa.column('gateway_ip', sa.String),
        sa.column('enable_dhcp', sa.Boolean),
        sa.column('dns_nameservers', sa.JSON),
        sa.column('allocation_pools', sa.JSON))
    rows = conn.execute(sa.text(
        'SELECT id, name, cidr, project_id, created_at FROM networks'
    )).fetchall()
    for net_id, name, cidr, project_id, created_at in rows:
        if not cidr:
            continue
        values = _defaults_for(cidr)
        conn.execute(subnets.insert().values(
            created_at=created_at, uuid=str(uuid.uuid4()), network_id=net_id,
            project_id=project_id, name='%s-subnet' % name, description='',
            enable_dhcp=True, dns_nameservers=[], **values))


def downgrade():
    op.drop_index('ix_port_security_groups_security_group_id',
                  table_name='port_security_groups')
    op.drop_table('port_security_groups')
    op.drop_index('ix_security_group_rules_security_group_id',
                  table_name='security_group_rules')
    op.drop_table('security_group_rules')
    op.drop_index('ix_subnets_network_id', table_name='subnets')
    op.drop_table('subnets')
    op.execute('DELETE FROM ports WHERE instance_uuid IS NULL '
               'OR address IS NULL')
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.drop_column('admin_state_up')
        batch_op.drop_column('device_owner')
        batch_op.drop_column('name')
        batch_op.drop_column('project_id')
        batch_op.alter_column('address', existing_type=sa.String(length=39),
                              nullable=False)
        batch_op.alter_column('instance_uuid',
                              existing_type=sa.String(length=36),
                              nullable=False)
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('description')
        batch_op.drop_column('admin_state_up')
        batch_op.drop_column('shared')
