"""trained months and report indexes

Monthly counters of who starts and stops counting as a trained labour-age resident, filled from
the trained rows, so the dashboard's trend needs no scan of them; indexes that hold every column
the reports read; two indexes that unique keys already cover go.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:54:14.137136
"""
from collections import defaultdict
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trained_months',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('newly', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Integer(), nullable=False),
    sa.Column('stops', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_trained_months_village_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', 'month', name=op.f('pk_trained_months'))
    )
    _count_trained_months(op.get_bind())
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)

    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_completions_user_id'))
        batch_op.create_index(batch_op.f('ix_course_completions_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('lesson_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_views_user_id'))

    with op.batch_alter_table('trained_residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trained_residents_village_id_trained_on'))
        batch_op.create_index('ix_trained_residents_report', ['village_id', 'sex', 'method', 'trained_on', 'labour_age_from', 'labour_age_until'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_village_id_sex_birth_date'))
        batch_op.create_index('ix_users_village_id_sex_birth_date_created_at', ['village_id', 'sex', 'birth_date', 'created_at'], unique=False)


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _count_trained_months(connection) -> None:
    """The same counting as elearn.records.trained.month_events, frozen here as of this revision."""
    counts = defaultdict(lambda: {"newly": 0, "starts": 0, "stops": 0})
    for village_id, trained_on, labour_from, labour_until in connection.execute(sa.text(
            "SELECT village_id, trained_on, labour_age_from, labour_age_until FROM trained_residents")):
        trained_on = _as_date(trained_on)
        counts[(village_id, trained_on.replace(day=1))]["newly"] += 1
        if labour_from is None or labour_until is None:
            continue
        start, until = max(trained_on, _as_date(labour_from)), _as_date(labour_until)
        if start <= until:
            counts[(village_id, start.replace(day=1))]["starts"] += 1
            counts[(village_id, (until + timedelta(days=1)).replace(day=1))]["stops"] += 1
    for (village_id, month), numbers in counts.items():
        connection.execute(sa.text(
            "INSERT INTO trained_months (village_id, month, newly, starts, stops) VALUES (:v, :m, :n, :s, :t)"),
            {"v": village_id, "m": month, "n": numbers["newly"], "s": numbers["starts"], "t": numbers["stops"]})


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_village_id_sex_birth_date_created_at')
        batch_op.create_index(batch_op.f('ix_users_village_id_sex_birth_date'), ['village_id', 'sex', 'birth_date'], unique=False)

    with op.batch_alter_table('trained_residents', schema=None) as batch_op:
        batch_op.drop_index('ix_trained_residents_report')
        batch_op.create_index(batch_op.f('ix_trained_residents_village_id_trained_on'), ['village_id', 'trained_on'], unique=False)

    with op.batch_alter_table('lesson_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_views_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_completions_attempt_id'))
        batch_op.create_index(batch_op.f('ix_course_completions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('trained_months')
