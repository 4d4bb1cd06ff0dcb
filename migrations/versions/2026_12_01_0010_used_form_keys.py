"""The keys of forms that created something (issue 9): a double tap of "Đăng ký" (or of a staff
form that creates) lands where the first tap did instead of creating twice or saying "taken".

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('used_form_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_used_form_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_form_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_used_form_keys_key_hash'))
    )
    with op.batch_alter_table('used_form_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_form_keys_used_at'), ['used_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_used_form_keys_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('used_form_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_form_keys_user_id'))
        batch_op.drop_index(batch_op.f('ix_used_form_keys_used_at'))
    op.drop_table('used_form_keys')
