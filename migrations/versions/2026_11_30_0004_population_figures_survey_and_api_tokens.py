"""population figures survey and api tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 19:20:25.382152
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_tokens_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_api_tokens_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_unit_id'), ['unit_id'], unique=False)

    op.create_table('population_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('male', sa.Integer(), nullable=True),
    sa.Column('female', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('total >= 0 AND (male IS NULL OR male >= 0) AND (female IS NULL OR female >= 0)', name=op.f('ck_population_figures_not_negative')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_population_figures_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_population_figures_village_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population_figures')),
    sa.UniqueConstraint('village_id', 'year', name=op.f('uq_population_figures_village_id_year'))
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('has_smartphone', sa.Boolean(), nullable=True),
    sa.Column('has_bank_account', sa.Boolean(), nullable=True),
    sa.Column('has_digital_signature', sa.Boolean(), nullable=True),
    sa.Column('has_vneid_level2', sa.Boolean(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_survey_responses_village_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('user_id', name=op.f('uq_survey_responses_user_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_village_id'), ['village_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_village_id'))

    op.drop_table('survey_responses')
    op.drop_table('population_figures')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_unit_id'))

    op.drop_table('api_tokens')
