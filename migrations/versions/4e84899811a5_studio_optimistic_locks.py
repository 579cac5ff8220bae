"""Studio: optimistic-lock counters on course versions, lessons/quizzes and questions

Each edit in the studio raises the counter; a save based on an older counter is refused, so
two authors never silently overwrite each other. Existing rows start at 1.

Revision ID: 4e84899811a5
Revises: f736da0eccea
Create Date: 2026-11-25 19:43:06.946036

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '4e84899811a5'
down_revision = 'f736da0eccea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.drop_column('lock_version')

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('lock_version')

    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.drop_column('lock_version')

