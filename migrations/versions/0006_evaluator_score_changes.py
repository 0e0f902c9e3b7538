"""An evaluator's score changed after other evaluators' scores could be read keeps the original and a reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evaluator_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('original_rationale', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('change_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('evaluator_score', schema=None) as batch_op:
        batch_op.drop_column('change_reason')
        batch_op.drop_column('original_rationale')
        batch_op.drop_column('original_score')
