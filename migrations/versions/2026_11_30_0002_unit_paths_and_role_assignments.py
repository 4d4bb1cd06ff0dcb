"""unit paths and role assignments

Units get a materialised path (subtree = one indexed prefix query), a demo flag and merge
history. Staff roles become assignments (several per person); users.role and
users.scope_unit_id go. Existing staff keep their role over the unit they had.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:10:16.489260
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(role = 'admin' AND unit_id IS NULL) OR (role <> 'admin' AND unit_id IS NOT NULL)", name=op.f('ck_role_assignments_unit_for_role')),
    sa.CheckConstraint("role IN ('trainer', 'official', 'admin')", name=op.f('ck_role_assignments_role')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_role_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_role_assignments_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignments')),
    sa.UniqueConstraint('user_id', 'role', 'unit_id', name=op.f('uq_role_assignments_user_id_role_unit_id'))
    )
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignments_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignments_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_subject_id'), ['subject_id'], unique=False)

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_index('ix_units_path', ['path'], unique=False, postgresql_ops={'path': 'varchar_pattern_ops'})
        batch_op.create_foreign_key(batch_op.f('fk_units_merged_into_id_units'), 'units', ['merged_into_id'], ['id'], ondelete='RESTRICT')
    _fill_unit_paths()
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('path', server_default=None)
        batch_op.alter_column('is_demo', server_default=None)
        batch_op.alter_column('created_at', server_default=None)

    op.execute("INSERT INTO role_assignments (user_id, role, unit_id, created_at) "
               "SELECT id, role, CASE WHEN role = 'admin' THEN NULL ELSE scope_unit_id END, created_at FROM users "
               "WHERE role = 'admin' OR (role IN ('trainer', 'official') AND scope_unit_id IS NOT NULL)")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_index(batch_op.f('ix_users_village_id'))
        batch_op.create_index('ix_users_village_id_sex_birth_date', ['village_id', 'sex', 'birth_date'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_users_scope_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_users_role'), type_='check')
        batch_op.drop_column('role')
        batch_op.drop_column('scope_unit_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('is_demo', server_default=None)


def _fill_unit_paths() -> None:
    """Paths from the root down; the shipped sample commune "(demo)" and what is under it are demo."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, parent_id, name FROM units")).all()
    parents = {row.id: row.parent_id for row in rows}
    names = {row.id: row.name for row in rows}

    def chain(unit_id):
        ids = []
        while unit_id is not None:
            ids.append(unit_id)
            unit_id = parents[unit_id]
        return list(reversed(ids))

    for unit_id in parents:
        ids = chain(unit_id)
        demo = any(names[i].endswith("(demo)") for i in ids)
        connection.execute(sa.text("UPDATE units SET path = :path, is_demo = :demo WHERE id = :id"),
                           {"path": "/" + "".join(f"{i}/" for i in ids), "demo": demo, "id": unit_id})


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_unit_id', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.VARCHAR(length=16), nullable=False, server_default='resident'))
    op.execute("UPDATE users SET role = COALESCE((SELECT MIN(r.role) FROM role_assignments r "
               "WHERE r.user_id = users.id), 'resident'), scope_unit_id = (SELECT MIN(r.unit_id) "
               "FROM role_assignments r WHERE r.user_id = users.id)")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)
        batch_op.create_check_constraint(op.f('ck_users_role'), "role IN ('resident', 'trainer', 'official', 'admin')")
        batch_op.create_foreign_key(batch_op.f('fk_users_scope_unit_id_units'), 'units', ['scope_unit_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_index('ix_users_village_id_sex_birth_date')
        batch_op.create_index(batch_op.f('ix_users_village_id'), ['village_id'], unique=False)
        batch_op.drop_column('is_demo')

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_units_merged_into_id_units'), type_='foreignkey')
        batch_op.drop_index('ix_units_path', postgresql_ops={'path': 'varchar_pattern_ops'})
        batch_op.drop_column('created_at')
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('is_demo')
        batch_op.drop_column('path')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_subject_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignments_unit_id'))

    op.drop_table('role_assignments')
