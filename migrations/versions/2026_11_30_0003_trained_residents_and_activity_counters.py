"""trained residents and activity counters

One row per trained person (surviving erasure) replaces the per-course anonymous completions;
anonymous counters per village, course and month, and per question, feed the dashboards.
Existing certificates, progress and anonymous completions are carried over.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 19:17:13.128119
"""
import json
from collections import defaultdict
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('required_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_key', sa.String(length=500), nullable=False),
    sa.Column('course_ids', sa.JSON(), nullable=False),
    sa.Column('course_titles', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_required_sets')),
    sa.UniqueConstraint('course_key', name=op.f('uq_required_sets_course_key'))
    )
    op.create_table('course_activity',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('completed_self', sa.Integer(), nullable=False),
    sa.Column('completed_assisted', sa.Integer(), nullable=False),
    sa.Column('first_attempts', sa.Integer(), nullable=False),
    sa.Column('first_attempt_passes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_activity_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_course_activity_village_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', 'course_id', 'month', name=op.f('pk_course_activity'))
    )
    op.create_table('trained_residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('trained_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('labour_age_from', sa.Date(), nullable=True),
    sa.Column('labour_age_until', sa.Date(), nullable=True),
    sa.Column('required_set_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("method IN ('self', 'assisted')", name=op.f('ck_trained_residents_method')),
    sa.ForeignKeyConstraint(['required_set_id'], ['required_sets.id'], name=op.f('fk_trained_residents_required_set_id_required_sets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trained_residents_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_trained_residents_village_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trained_residents')),
    sa.UniqueConstraint('user_id', name=op.f('uq_trained_residents_user_id'))
    )
    with op.batch_alter_table('trained_residents', schema=None) as batch_op:
        batch_op.create_index('ix_trained_residents_village_id_trained_on', ['village_id', 'trained_on'], unique=False)

    op.create_table('question_stats',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('wrong', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_stats_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_question_stats_village_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', 'question_id', name=op.f('pk_question_stats'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_set_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificates_required_set_id_required_sets'), 'required_sets', ['required_set_id'], ['id'], ondelete='RESTRICT')

    connection = op.get_bind()
    _carry_over_certificates(connection)
    _count_past_activity(connection)

    with op.batch_alter_table('anonymous_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anonymous_completions_village_id'))
    op.drop_table('anonymous_completions')


def _as_date(value):
    return date.fromisoformat(str(value)[:10])


def _carry_over_certificates(connection) -> None:
    """Everyone holding a certificate is trained under today's required set."""
    from elearn.training.ages import labour_age_window  # a plain rule: no app, no database

    required = [row.id for row in connection.execute(sa.text(
        "SELECT id, title FROM courses WHERE required = :yes AND is_published = :yes ORDER BY position, title"),
        {"yes": True})]
    titles = [row.title for row in connection.execute(sa.text(
        "SELECT title FROM courses WHERE required = :yes AND is_published = :yes ORDER BY position, title"),
        {"yes": True})]
    holders = connection.execute(sa.text(
        "SELECT c.id AS certificate_id, c.trained_on, u.id AS user_id, u.village_id, u.sex, u.birth_date "
        "FROM certificates c JOIN users u ON u.id = c.user_id")).all()
    if not holders:
        return
    ids = sorted(required)
    connection.execute(sa.text(
        "INSERT INTO required_sets (course_key, course_ids, course_titles, created_at) "
        "VALUES (:key, :ids, :titles, CURRENT_TIMESTAMP)"),
        {"key": ",".join(map(str, ids)), "ids": json.dumps(ids), "titles": json.dumps(titles, ensure_ascii=False)})
    set_id = connection.execute(sa.text("SELECT max(id) FROM required_sets")).scalar()
    connection.execute(sa.text("UPDATE certificates SET required_set_id = :set_id"), {"set_id": set_id})
    assisted = {row.user_id for row in connection.execute(sa.text(
        "SELECT DISTINCT user_id FROM course_completions WHERE method = 'assisted'"))}
    for holder in holders:
        if holder.village_id is None:
            continue
        window = (None, None)
        if holder.birth_date is not None and holder.sex is not None:
            window = labour_age_window(_as_date(holder.birth_date), holder.sex)
        connection.execute(sa.text(
            "INSERT INTO trained_residents (user_id, village_id, sex, trained_on, method, labour_age_from, "
            "labour_age_until, required_set_id, created_at) VALUES (:user_id, :village_id, :sex, :trained_on, "
            ":method, :labour_from, :labour_until, :set_id, CURRENT_TIMESTAMP)"),
            {"user_id": holder.user_id, "village_id": holder.village_id, "sex": holder.sex,
             "trained_on": _as_date(holder.trained_on),
             "method": "assisted" if holder.user_id in assisted else "self",
             "labour_from": window[0], "labour_until": window[1], "set_id": set_id})


def _count_past_activity(connection) -> None:
    """The counters as if they had been kept from the start, anonymous completions included."""
    counts = defaultdict(lambda: defaultdict(int))

    def month(value):
        return _as_date(value).replace(day=1)

    for row in connection.execute(sa.text(
            "SELECT u.village_id, l.course_id, MIN(v.first_viewed_at) AS first_at FROM lesson_views v "
            "JOIN lessons l ON l.id = v.lesson_id JOIN users u ON u.id = v.user_id "
            "WHERE u.village_id IS NOT NULL GROUP BY v.user_id, u.village_id, l.course_id")):
        counts[(row.village_id, row.course_id, month(row.first_at))]["started"] += 1
    for row in connection.execute(sa.text(
            "SELECT u.village_id, c.course_id, c.completed_on, c.method FROM course_completions c "
            "JOIN users u ON u.id = c.user_id WHERE u.village_id IS NOT NULL "
            "UNION ALL SELECT village_id, course_id, completed_on, method FROM anonymous_completions "
            "WHERE village_id IS NOT NULL")):
        counts[(row.village_id, row.course_id, month(row.completed_on))][f"completed_{row.method}"] += 1
    firsts = connection.execute(sa.text(
        "SELECT u.village_id, q.course_id, a.submitted_at, a.passed FROM quiz_attempts a "
        "JOIN quiz_versions q ON q.id = a.quiz_version_id JOIN users u ON u.id = a.user_id "
        "WHERE u.village_id IS NOT NULL AND a.id = (SELECT MIN(b.id) FROM quiz_attempts b "
        "JOIN quiz_versions r ON r.id = b.quiz_version_id WHERE b.user_id = a.user_id AND r.course_id = q.course_id)"))
    for row in firsts:
        numbers = counts[(row.village_id, row.course_id, month(row.submitted_at))]
        numbers["first_attempts"] += 1
        numbers["first_attempt_passes"] += int(bool(row.passed))
    for (village_id, course_id, first_day), numbers in counts.items():
        connection.execute(sa.text(
            "INSERT INTO course_activity (village_id, course_id, month, started, completed_self, "
            "completed_assisted, first_attempts, first_attempt_passes) VALUES (:v, :c, :m, :s, :cs, :ca, :fa, :fp)"),
            {"v": village_id, "c": course_id, "m": first_day, "s": numbers["started"],
             "cs": numbers["completed_self"], "ca": numbers["completed_assisted"],
             "fa": numbers["first_attempts"], "fp": numbers["first_attempt_passes"]})
    _count_past_answers(connection)


def _count_past_answers(connection) -> None:
    correct = defaultdict(set)
    for row in connection.execute(sa.text("SELECT question_id, id FROM choices WHERE is_correct = :yes"),
                                  {"yes": True}):
        correct[row.question_id].add(row.id)
    questions = defaultdict(list)
    for row in connection.execute(sa.text("SELECT quiz_version_id, id FROM questions")):
        questions[row.quiz_version_id].append(row.id)
    picked = defaultdict(set)
    for row in connection.execute(sa.text("SELECT attempt_id, question_id, choice_id FROM attempt_answers")):
        picked[(row.attempt_id, row.question_id)].add(row.choice_id)
    stats = defaultdict(lambda: [0, 0])
    for row in connection.execute(sa.text(
            "SELECT a.id, a.quiz_version_id, u.village_id FROM quiz_attempts a JOIN users u ON u.id = a.user_id "
            "WHERE u.village_id IS NOT NULL")):
        for question_id in questions[row.quiz_version_id]:
            numbers = stats[(row.village_id, question_id)]
            numbers[0] += 1
            numbers[1] += int(picked[(row.id, question_id)] != correct[question_id])
    for (village_id, question_id), (answered, wrong) in stats.items():
        connection.execute(sa.text(
            "INSERT INTO question_stats (village_id, question_id, answered, wrong) VALUES (:v, :q, :a, :w)"),
            {"v": village_id, "q": question_id, "a": answered, "w": wrong})


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_required_set_id_required_sets'), type_='foreignkey')
        batch_op.drop_column('required_set_id')

    op.create_table('anonymous_completions',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('village_id', sa.INTEGER(), nullable=True),
    sa.Column('course_id', sa.INTEGER(), nullable=False),
    sa.Column('completed_on', sa.DATE(), nullable=False),
    sa.Column('method', sa.VARCHAR(length=16), nullable=False),
    sa.Column('sex', sa.VARCHAR(length=8), nullable=True),
    sa.Column('birth_year', sa.INTEGER(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_anonymous_completions_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['village_id'], ['units.id'], name=op.f('fk_anonymous_completions_village_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymous_completions'))
    )
    with op.batch_alter_table('anonymous_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anonymous_completions_village_id'), ['village_id'], unique=False)

    op.drop_table('question_stats')
    with op.batch_alter_table('trained_residents', schema=None) as batch_op:
        batch_op.drop_index('ix_trained_residents_village_id_trained_on')

    op.drop_table('trained_residents')
    op.drop_table('course_activity')
    op.drop_table('required_sets')
