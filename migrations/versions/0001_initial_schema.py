"""initial schema

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-28 12:17:28.131198

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: every table of the first release; names follow the naming convention.
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username'), ['username'], unique=False)

    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('code', name=op.f('uq_school_code'))
    )
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_department_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_department_school_id_name'))
    )
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_school_id'), ['school_id'], unique=False)

    op.create_table('rule_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_rule_set_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_set')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_rule_set_school_id_name'))
    )
    with op.batch_alter_table('rule_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_set_school_id'), ['school_id'], unique=False)

    op.create_table('major',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_major_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major')),
    sa.UniqueConstraint('department_id', 'name', name=op.f('uq_major_department_id_name'))
    )
    with op.batch_alter_table('major', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_major_department_id'), ['department_id'], unique=False)

    op.create_table('school_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('major_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['major_id'], ['major.id'], name=op.f('fk_school_class_major_id_major')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_class_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_class')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_school_class_school_id_name'))
    )
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_class_major_id'), ['major_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_class_school_id'), ['school_id'], unique=False)

    op.create_table('student',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('gender', sa.Enum('male', 'female', name='gender', native_enum=False, length=16), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'graduated', 'withdrawn', name='studentstatus', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_student_class_id_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_student_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student')),
    sa.UniqueConstraint('school_id', 'student_no', name=op.f('uq_student_school_id_student_no'))
    )
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_school_id'), ['school_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('admin', 'teacher', 'student', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_user_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_user_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('student_id', name=op.f('uq_user_student_id')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_school_id'), ['school_id'], unique=False)

    op.create_table('club',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['advisor_id'], ['user.id'], name=op.f('fk_club_advisor_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_club_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_club')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_club_school_id_name'))
    )
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_club_advisor_id'), ['advisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_club_school_id'), ['school_id'], unique=False)

    op.create_table('export_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_export_job_created_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_export_job_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job'))
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_job_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_job_school_id'), ['school_id'], unique=False)

    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_import_batch_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    sa.UniqueConstraint('kind', 'scope', 'sha256', name=op.f('uq_import_batch_kind_scope_sha256'))
    )
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token', name=op.f('uq_login_session_token'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('rule_set_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_rule_set_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rule_set.id'], name=op.f('fk_rule_set_version_rule_set_id_rule_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_set_version')),
    sa.UniqueConstraint('rule_set_id', 'version', name=op.f('uq_rule_set_version_rule_set_id_version'))
    )
    with op.batch_alter_table('rule_set_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_set_version_rule_set_id'), ['rule_set_id'], unique=False)

    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('planning', 'open', 'closed', 'archived', name='termstatus', native_enum=False, length=16), nullable=False),
    sa.Column('rule_version_id', sa.Integer(), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('club_indicator', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rule_version_id'], ['rule_set_version.id'], name=op.f('fk_term_rule_version_id_rule_set_version')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_term_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_term_school_id_name'))
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_rule_version_id'), ['rule_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_term_school_id'), ['school_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_log_actor_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_audit_log_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_audit_log_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_audit_log_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_term_id'), ['term_id'], unique=False)

    op.create_table('class_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_class_assignment_class_id_school_class')),
    sa.ForeignKeyConstraint(['teacher_id'], ['user.id'], name=op.f('fk_class_assignment_teacher_id_user')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_class_assignment_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_assignment')),
    sa.UniqueConstraint('term_id', 'class_id', name=op.f('uq_class_assignment_term_id_class_id'))
    )
    with op.batch_alter_table('class_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_assignment_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_assignment_teacher_id'), ['teacher_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_assignment_term_id'), ['term_id'], unique=False)

    op.create_table('class_term_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('open', 'submitted', 'published', 'final', name='classstate', native_enum=False, length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('notice_ends_at', sa.DateTime(), nullable=True),
    sa.Column('finalized_at', sa.DateTime(), nullable=True),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_class_term_status_class_id_school_class')),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['user.id'], name=op.f('fk_class_term_status_finalized_by_id_user')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_class_term_status_published_by_id_user')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_class_term_status_submitted_by_id_user')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_class_term_status_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_term_status')),
    sa.UniqueConstraint('term_id', 'class_id', name=op.f('uq_class_term_status_term_id_class_id'))
    )
    with op.batch_alter_table('class_term_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_term_status_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_term_status_term_id'), ['term_id'], unique=False)

    op.create_table('club_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_club_membership_club_id_club')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_club_membership_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_club_membership_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_club_membership')),
    sa.UniqueConstraint('club_id', 'student_id', 'term_id', name=op.f('uq_club_membership_club_id_student_id_term_id'))
    )
    with op.batch_alter_table('club_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_club_membership_club_id'), ['club_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_club_membership_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_club_membership_term_id'), ['term_id'], unique=False)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_flag_created_by_id_user')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_flag_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_flag_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag'))
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_term_id'), ['term_id'], unique=False)

    op.create_table('star_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('overall_score', sa.String(length=24), nullable=True),
    sa.Column('overall_stars', sa.Integer(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('explain', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_star_result_class_id_school_class')),
    sa.ForeignKeyConstraint(['rule_version_id'], ['rule_set_version.id'], name=op.f('fk_star_result_rule_version_id_rule_set_version')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_star_result_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_star_result_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_star_result')),
    sa.UniqueConstraint('term_id', 'student_id', name=op.f('uq_star_result_term_id_student_id'))
    )
    with op.batch_alter_table('star_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_star_result_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_star_result_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_star_result_term_id'), ['term_id'], unique=False)

    op.create_table('student_term_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('teacher_comment', sa.Text(), nullable=False),
    sa.Column('comment_by_id', sa.Integer(), nullable=True),
    sa.Column('comment_updated_at', sa.DateTime(), nullable=True),
    sa.Column('self_statement', sa.Text(), nullable=False),
    sa.Column('statement_updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['comment_by_id'], ['user.id'], name=op.f('fk_student_term_note_comment_by_id_user')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_student_term_note_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_student_term_note_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_term_note')),
    sa.UniqueConstraint('term_id', 'student_id', name=op.f('uq_student_term_note_term_id_student_id'))
    )
    with op.batch_alter_table('student_term_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_term_note_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_term_note_term_id'), ['term_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=80), nullable=False),
    sa.Column('points_cents', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('item_name', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('form', 'grid', 'excel', 'club', 'appeal', name='entrysource', native_enum=False, length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('club_membership_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_entry_author_id_user')),
    sa.ForeignKeyConstraint(['club_membership_id'], ['club_membership.id'], name=op.f('fk_entry_club_membership_id_club_membership')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_entry_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_entry_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_entry_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_club_membership_id'), ['club_membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_student_id'), ['student_id'], unique=False)
        batch_op.create_index('ix_entry_term_student', ['term_id', 'student_id'], unique=False)

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('indicator', sa.String(length=80), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', name='appealstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('stars_before', sa.JSON(), nullable=True),
    sa.Column('stars_after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_appeal_decided_by_id_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_appeal_entry_id_entry')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_appeal_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_appeal_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_term_id'), ['term_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], name=op.f('fk_attachment_appeal_id_appeal')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_attachment_entry_id_entry')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_attachment_student_id_student')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_student_id'), ['student_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    # Reviewed: every table of the first release; names follow the naming convention.
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_student_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_entry_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_appeal_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_term_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_student_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_entry_id'))

    op.drop_table('appeal')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_term_student')
        batch_op.drop_index(batch_op.f('ix_entry_student_id'))
        batch_op.drop_index(batch_op.f('ix_entry_club_membership_id'))
        batch_op.drop_index(batch_op.f('ix_entry_author_id'))

    op.drop_table('entry')
    with op.batch_alter_table('student_term_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_term_note_term_id'))
        batch_op.drop_index(batch_op.f('ix_student_term_note_student_id'))

    op.drop_table('student_term_note')
    with op.batch_alter_table('star_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_star_result_term_id'))
        batch_op.drop_index(batch_op.f('ix_star_result_student_id'))
        batch_op.drop_index(batch_op.f('ix_star_result_class_id'))

    op.drop_table('star_result')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_term_id'))
        batch_op.drop_index(batch_op.f('ix_flag_student_id'))

    op.drop_table('flag')
    with op.batch_alter_table('club_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_club_membership_term_id'))
        batch_op.drop_index(batch_op.f('ix_club_membership_student_id'))
        batch_op.drop_index(batch_op.f('ix_club_membership_club_id'))

    op.drop_table('club_membership')
    with op.batch_alter_table('class_term_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_term_status_term_id'))
        batch_op.drop_index(batch_op.f('ix_class_term_status_class_id'))

    op.drop_table('class_term_status')
    with op.batch_alter_table('class_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_assignment_term_id'))
        batch_op.drop_index(batch_op.f('ix_class_assignment_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_class_assignment_class_id'))

    op.drop_table('class_assignment')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_term_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_student_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_school_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_school_id'))
        batch_op.drop_index(batch_op.f('ix_term_rule_version_id'))

    op.drop_table('term')
    with op.batch_alter_table('rule_set_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_set_version_rule_set_id'))

    op.drop_table('rule_set_version')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))

    op.drop_table('login_session')
    op.drop_table('import_batch')
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_job_school_id'))
        batch_op.drop_index(batch_op.f('ix_export_job_created_by_id'))

    op.drop_table('export_job')
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_club_school_id'))
        batch_op.drop_index(batch_op.f('ix_club_advisor_id'))

    op.drop_table('club')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_school_id'))

    op.drop_table('user')
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_school_id'))
        batch_op.drop_index(batch_op.f('ix_student_class_id'))

    op.drop_table('student')
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_class_school_id'))
        batch_op.drop_index(batch_op.f('ix_school_class_major_id'))

    op.drop_table('school_class')
    with op.batch_alter_table('major', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_major_department_id'))

    op.drop_table('major')
    with op.batch_alter_table('rule_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_set_school_id'))

    op.drop_table('rule_set')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_school_id'))

    op.drop_table('department')
    op.drop_table('school')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_ip'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))

    op.drop_table('login_attempt')
    # ### end Alembic commands ###
