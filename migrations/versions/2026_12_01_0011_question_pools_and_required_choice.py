"""Curriculum second edition (issue 10): a quiz version may draw some of its questions per attempt
(the quiz is a pool, so a retry is not the same test), and an admin's choice of required courses is
kept apart from the course files' default; each course keeps its study time for a slow reader.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questions_per_attempt', sa.Integer(), nullable=True))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_by_admin', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('study_minutes', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('study_minutes')
        batch_op.drop_column('required_by_admin')
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.drop_column('questions_per_attempt')
