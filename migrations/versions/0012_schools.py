"""schools as first-class: usernames per school, a city-office role, a school's zone and logo

Revision ID: 0012_schools
Revises: 0011_quick_events
Create Date: 2026-12-01

Reviewed:
- school gains name_en, address, timezone, logo, logo_type, active: plain ADD COLUMNs with
  server defaults (existing schools get Asia/Shanghai, which is what the instance used, and
  keep their code), so no rebuild of `school`.
- user: the global UNIQUE(username) becomes UNIQUE(school_id, username) plus a partial
  unique index on username for accounts without a school (the city office). On SQLite this
  rebuilds `user`, which other tables reference: the rebuild runs with foreign-key checks
  off (PRAGMA foreign_keys is only honoured outside a transaction: Alembic's
  autocommit_block commits what came before), then back on, then `PRAGMA foreign_key_check` must find
  nothing. Every row, id, password hash and login session survives.
- Admin accounts without a school were "city-wide admins" with no defined powers; they
  become role 'city' (the column is a VARCHAR without CHECK, so the new value needs no DDL).
- login_session gains school_id / may_write (a city user's chosen school), nullable.
- login_attempt.username widens to 100 characters: it now holds "<school id>:<username>";
  old rows (plain usernames) only age out of the throttle window.
Downgrade refuses when two accounts share a username (the old constraint cannot hold).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_schools'
down_revision = '0011_quick_events'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite honours PRAGMA foreign_keys only outside a transaction: Alembic's
    autocommit_block commits what came before and begins anew after."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.get_context().autocommit_block():
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")


def upgrade():
    for name, column in (
        ('name_en', sa.Column('name_en', sa.String(120), server_default='', nullable=False)),
        ('address', sa.Column('address', sa.String(200), server_default='', nullable=False)),
        ('timezone', sa.Column('timezone', sa.String(64), server_default='Asia/Shanghai',
                               nullable=False)),
        ('logo', sa.Column('logo', sa.LargeBinary(), nullable=True)),
        ('logo_type', sa.Column('logo_type', sa.String(32), server_default='', nullable=False)),
        ('active', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)),
    ):
        op.add_column('school', column)

    # Batch: SQLite rebuilds login_session (no table references it) to add the constraint.
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('may_write', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_foreign_key(op.f('fk_login_session_school_id_school'), 'school',
                                    ['school_id'], ['id'], ondelete='SET NULL')

    op.execute("UPDATE \"user\" SET role = 'city' WHERE role = 'admin' AND school_id IS NULL")

    _foreign_keys(False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_username', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_user_school_id_username'),
                                          ['school_id', 'username'])
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.alter_column('username', existing_type=sa.String(64),
                              type_=sa.String(100), existing_nullable=False)
    _foreign_keys(True)
    op.create_index('uq_user_city_username', 'user', ['username'], unique=True,
                    sqlite_where=sa.text('school_id IS NULL'),
                    postgresql_where=sa.text('school_id IS NULL'))


def downgrade():
    bind = op.get_bind()
    shared = bind.execute(sa.text(
        'SELECT username FROM "user" GROUP BY username HAVING COUNT(*) > 1')).first()
    if shared:
        raise RuntimeError(f"username {shared[0]!r} exists in several schools: "
                           "the old global uniqueness cannot be restored")
    op.drop_index('uq_user_city_username', table_name='user')
    _foreign_keys(False)
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.alter_column('username', existing_type=sa.String(100),
                              type_=sa.String(64), existing_nullable=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_school_id_username', type_='unique')
        batch_op.create_unique_constraint('uq_user_username', ['username'])
    _foreign_keys(True)
    op.execute("UPDATE \"user\" SET role = 'admin' WHERE role = 'city'")
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_constraint('fk_login_session_school_id_school', type_='foreignkey')
        batch_op.drop_column('may_write')
        batch_op.drop_column('school_id')
    for name in ('active', 'logo_type', 'logo', 'timezone', 'address', 'name_en'):
        op.drop_column('school', name)
