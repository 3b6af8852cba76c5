"""server fields of microversions 2.26 .. 2.73: tags, trusted image
certificates, locked_reason

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_reason', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('trusted_certs', sa.JSON(),
                                      nullable=True))
    op.create_table(
        'instance_tags',
        sa.Column('instance_uuid', sa.String(length=36), nullable=False),
        sa.Column('tag', sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint('instance_uuid', 'tag'))
    with op.batch_alter_table('instance_tags', schema=None) as batch_op:
        batch_op.create_index('instance_tags_tag_idx', ['tag'], unique=False)


def downgrade():
    with op.batch_alter_table('instance_tags', schema=None) as batch_op:
        batch_op.drop_index('instance_tags_tag_idx')
    op.drop_table('instance_tags')
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('trusted_certs')
        batch_op.drop_column('locked_reason')
