"""Courses live in the database (revisions, media, status, origin); one-time codes; assisted
attempts; training sessions; training done elsewhere.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 22:01:11.548502
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('course_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_media_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_course_media_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_media')),
    sa.UniqueConstraint('course_id', 'name', name=op.f('uq_course_media_course_id_name'))
    )
    op.create_table('course_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_course_revisions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_revisions_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_revisions')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_course_revisions_course_id_number'))
    )
    op.create_table('external_trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('labour_age_from', sa.Date(), nullable=True),
    sa.Column('labour_age_until', sa.Date(), nullable=True),
    sa.Column('programme', sa.String(length=120), nullable=False),
    sa.Column('certificate_number', sa.String(length=64), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('trained_here', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_external_trainings_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_trainings_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_external_trainings_village_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_trainings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_external_trainings_user_id'))
    )
    with op.batch_alter_table('external_trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_trainings_village_id'), ['village_id'], unique=False)

    op.create_table('one_time_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint("purpose IN ('first-password', 'reset')", name=op.f('ck_one_time_codes_purpose')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_one_time_codes_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_one_time_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes'))
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_codes_issued_by_id'), ['issued_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_user_id'), ['user_id'], unique=False)

    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_sessions_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_training_sessions_village_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_training_sessions_idempotency_key'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_village_id'), ['village_id'], unique=False)

    op.create_table('training_attendances',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_attendances_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_attendances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_training_attendances'))
    )
    with op.batch_alter_table('training_attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendances_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('witnessed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('witness_name', sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consent_records_witnessed_by_id_users'), 'users', ['witnessed_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_course_completions_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'], ondelete='SET NULL')

    # Every course so far came from the bundled folder; its first revision is written by the next
    # `courses sync`, which finds the content unchanged and records the files it loaded.
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('origin', sa.String(length=16), nullable=False, server_default='bundled'))
        batch_op.add_column(sa.Column('latest_revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('published_revision', sa.Integer(), nullable=True))
    op.execute(sa.text("UPDATE courses SET status = CASE WHEN is_published THEN 'published' ELSE 'archived' END"))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('is_published')
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('origin', server_default=None)
        batch_op.alter_column('latest_revision', server_default=None)
        batch_op.create_check_constraint(op.f('ck_courses_status'), "status IN ('draft', 'published', 'archived')")
        batch_op.create_check_constraint(op.f('ck_courses_origin'), "origin IN ('bundled', 'zip', 'web')")

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assisted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_quiz_attempts_assisted_by_id_users'), 'users', ['assisted_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_registered_by_id_users'), 'users', ['registered_by_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_registered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('registered_by_id')

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_quiz_attempts_assisted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('assisted_by_id')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_published', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(sa.text("UPDATE courses SET is_published = (status = 'published')"))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.alter_column('is_published', server_default=None)
        batch_op.drop_constraint(op.f('ck_courses_origin'), type_='check')
        batch_op.drop_constraint(op.f('ck_courses_status'), type_='check')
        batch_op.drop_column('published_revision')
        batch_op.drop_column('latest_revision')
        batch_op.drop_column('origin')
        batch_op.drop_column('status')

    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_course_completions_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_by_id')

    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_records_witnessed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('witness_name')
        batch_op.drop_column('witnessed_by_id')

    with op.batch_alter_table('training_attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendances_user_id'))

    op.drop_table('training_attendances')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_village_id'))

    op.drop_table('training_sessions')
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_issued_by_id'))

    op.drop_table('one_time_codes')
    with op.batch_alter_table('external_trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_trainings_village_id'))

    op.drop_table('external_trainings')
    op.drop_table('course_revisions')
    op.drop_table('course_media')
