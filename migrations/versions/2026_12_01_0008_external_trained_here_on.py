"""The day a person with a certificate from elsewhere became trained here, kept on the certificate's
row: the reports read it there instead of through the person's trained row, whose link an erasure
cuts (which changed past days' figures). Filled from the trained rows that are still linked; a
certificate whose person was erased before keeps no day and, as before, never counts on its own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('external_trainings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trained_here_on', sa.Date(), nullable=True))
    op.execute(
        "UPDATE external_trainings SET trained_here_on = (SELECT trained_residents.trained_on "
        "FROM trained_residents WHERE trained_residents.user_id = external_trainings.user_id) "
        "WHERE user_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('external_trainings', schema=None) as batch_op:
        batch_op.drop_column('trained_here_on')
