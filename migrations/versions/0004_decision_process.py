"""A defensible decision process: member declarations, conflicts of interest, checkpoints,
recommendations, publication, standstill representations and bank holidays.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_holiday')),
    sa.UniqueConstraint('day', name=op.f('uq_bank_holiday_day'))
    )
    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=True),
    sa.Column('mitigated_by_id', sa.Integer(), nullable=True),
    sa.Column('mitigated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_conflict_declaration_applicant_id_applicant')),
    sa.ForeignKeyConstraint(['mitigated_by_id'], ['user.id'], name=op.f('fk_conflict_declaration_mitigated_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_conflict_declaration_round_id_round')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_conflict_declaration_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('round_id', 'user_id', 'applicant_id', name=op.f('uq_conflict_declaration_round_id'))
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_round_id'), ['round_id'], unique=False)

    op.create_table('member_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('value_json', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_member_answer_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_member_answer_submission_id_submission')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_member_answer_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_answer')),
    sa.UniqueConstraint('submission_id', 'organisation_id', 'question_id', name=op.f('uq_member_answer_submission_id'))
    )
    with op.batch_alter_table('member_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_answer_submission_id'), ['submission_id'], unique=False)

    op.create_table('review_recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closure_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_review_recommendation_created_by_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_review_recommendation_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_recommendation'))
    )
    with op.batch_alter_table('review_recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_recommendation_submission_id'), ['submission_id'], unique=False)

    op.create_table('decision_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('standstill_ends_on', sa.Date(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('final_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['panel_decision.id'], name=op.f('fk_decision_publication_decision_id_panel_decision')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_decision_publication_published_by_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_decision_publication_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_publication'))
    )
    with op.batch_alter_table('decision_publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_publication_submission_id'), ['submission_id'], unique=False)

    op.create_table('representation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('further_period_ends_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['decision_publication.id'], name=op.f('fk_representation_publication_id_decision_publication')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_representation_reviewed_by_id_user')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_representation_submitted_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation'))
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representation_publication_id'), ['publication_id'], unique=False)

    # A plain ADD COLUMN: a batch copy of this table on SQLite would drop its append-only triggers.
    op.add_column('panel_decision', sa.Column('follow_up_on', sa.Date(), nullable=True))

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checkpoint_label', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('standstill_days', sa.Integer(), nullable=False, server_default='8'))
        batch_op.add_column(sa.Column('further_period_days', sa.Integer(), nullable=False, server_default='5'))
        batch_op.create_foreign_key(batch_op.f('fk_round_previous_round_id_round'), 'round', ['previous_round_id'], ['id'])



def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_previous_round_id_round'), type_='foreignkey')
        batch_op.drop_column('further_period_days')
        batch_op.drop_column('standstill_days')
        batch_op.drop_column('checkpoint_label')
        batch_op.drop_column('previous_round_id')

    op.drop_column('panel_decision', 'follow_up_on')

    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_publication_id'))

    op.drop_table('representation')
    with op.batch_alter_table('decision_publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_publication_submission_id'))

    op.drop_table('decision_publication')
    with op.batch_alter_table('review_recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_recommendation_submission_id'))

    op.drop_table('review_recommendation')
    with op.batch_alter_table('member_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_answer_submission_id'))

    op.drop_table('member_answer')
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declaration_round_id'))

    op.drop_table('conflict_declaration')
    op.drop_table('bank_holiday')
