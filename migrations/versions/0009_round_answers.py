"""Contract parameters the round administrator sets once for a whole round: the answers to the
questions a questionnaire marks ``answered_by: round`` (capitated population, services in scope,
contract term, financial envelope), versioned like a provider's answers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('round_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('value_json', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_answer_round_id_round')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_round_answer_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_answer')),
    sa.UniqueConstraint('round_id', 'question_id', name=op.f('uq_round_answer_round_id'))
    )
    with op.batch_alter_table('round_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_answer_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('round_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_answer_round_id'))

    op.drop_table('round_answer')
