"""absence: a class's absentees of the day (缺勤), for the checklist's "except absentees"

Revision ID: 0015_absences
Revises: 0014_evaluation
Create Date: 2026-12-01

Reviewed: one new table, nothing existing changes. The unique (class, day, student) both
keeps a student from being marked twice a day and serves the entry form's lookup of a
class's absentees today; student_id is indexed for the foreign key.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_absences'
down_revision = '0014_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'absence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['school_class.id'],
                                name=op.f('fk_absence_class_id_school_class')),
        sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'],
                                name=op.f('fk_absence_marked_by_id_user')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_absence_student_id_student')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_absence')),
        sa.UniqueConstraint('class_id', 'day', 'student_id',
                            name=op.f('uq_absence_class_id_day_student_id')),
    )
    op.create_index(op.f('ix_absence_student_id'), 'absence', ['student_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_absence_student_id'), table_name='absence')
    op.drop_table('absence')
