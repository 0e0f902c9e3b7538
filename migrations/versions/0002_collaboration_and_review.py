"""Collaboration and review: invitations, section assignments, evaluator scores, clarifications,
versioned panel decisions and their conditions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    op.create_table('clarification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=True),
    sa.Column('question_text', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user.id'], name=op.f('fk_clarification_asked_by_id_user')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user.id'], name=op.f('fk_clarification_replied_by_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_clarification_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification'))
    )
    with op.batch_alter_table('clarification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarification_submission_id'), ['submission_id'], unique=False)

    op.create_table('evaluator_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user.id'], name=op.f('fk_evaluator_score_evaluator_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_evaluator_score_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator_score')),
    sa.UniqueConstraint('submission_id', 'question_id', 'evaluator_id', name=op.f('uq_evaluator_score_submission_id'))
    )
    with op.batch_alter_table('evaluator_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_score_submission_id'), ['submission_id'], unique=False)

    op.create_table('panel_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('gate_outcomes_json', sa.Text(), nullable=False),
    sa.Column('recommendation_at_decision', sa.String(length=40), nullable=False),
    sa.Column('inputs_hash_at_decision', sa.String(length=64), nullable=True),
    sa.Column('differs_reason', sa.Text(), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('panel_members', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_panel_decision_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_panel_decision_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_decision')),
    sa.UniqueConstraint('submission_id', 'version', name=op.f('uq_panel_decision_submission_id'))
    )
    with op.batch_alter_table('panel_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decision_submission_id'), ['submission_id'], unique=False)

    op.create_table('section_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_section_assignment_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_section_assignment_submission_id_submission')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_section_assignment_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_assignment')),
    sa.UniqueConstraint('submission_id', 'domain_id', name=op.f('uq_section_assignment_submission_id'))
    )
    with op.batch_alter_table('section_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_assignment_submission_id'), ['submission_id'], unique=False)

    op.create_table('decision_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closure_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['panel_decision.id'], name=op.f('fk_decision_condition_decision_id_panel_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_condition'))
    )
    with op.batch_alter_table('decision_condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_condition_decision_id'), ['decision_id'], unique=False)


    _make_append_only('panel_decision')

def downgrade():
    _drop_append_only('panel_decision')
    with op.batch_alter_table('decision_condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_condition_decision_id'))

    op.drop_table('decision_condition')
    with op.batch_alter_table('section_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_assignment_submission_id'))

    op.drop_table('section_assignment')
    with op.batch_alter_table('panel_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decision_submission_id'))

    op.drop_table('panel_decision')
    with op.batch_alter_table('evaluator_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_score_submission_id'))

    op.drop_table('evaluator_score')
    with op.batch_alter_table('clarification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarification_submission_id'))

    op.drop_table('clarification')
    op.drop_table('invitation')


# A recorded panel decision is locked: corrections are inserted as new versions, never edits.
def _make_append_only(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_is_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END;
            $$ LANGUAGE plpgsql
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_is_append_only()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
            """)


def _drop_append_only(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_is_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
