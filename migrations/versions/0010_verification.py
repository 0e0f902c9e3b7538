"""Evaluators verify self-assessed answers and judge evidence; a round says what must be verified.

An evaluator's verdict and the moderator's consensus can now be a verified answer (the answer the
evidence supports, as JSON) or a judgement of evidence (sufficient, partly, not sufficient, with
where in the document it relied), besides a score.  Existing rows keep their scores and mean what
they meant.  Rounds gain the scope of verification required before a panel decision, defaulting
to every answer a gate criterion reads.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("evaluator_score", "moderated_score"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("verified_answer_json", sa.Text(), nullable=True))
            batch.add_column(sa.Column("sufficiency", sa.String(20), nullable=True))
            batch.add_column(sa.Column("evidence_location", sa.String(300), nullable=True))
    with op.batch_alter_table("evaluator_score") as batch:
        batch.add_column(sa.Column("original_verified_answer_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("original_sufficiency", sa.String(20), nullable=True))
    with op.batch_alter_table("round") as batch:
        batch.add_column(
            sa.Column("verification_scope", sa.String(20), nullable=False, server_default="gate_answers")
        )
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("unverified_count", sa.Integer(), nullable=False, server_default="0"))
    # Stored summaries predate verification: mark them out of date so they are scored again.
    op.execute("UPDATE submission SET inputs_hash = NULL")


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("unverified_count")
    with op.batch_alter_table("round") as batch:
        batch.drop_column("verification_scope")
    with op.batch_alter_table("evaluator_score") as batch:
        batch.drop_column("original_sufficiency")
        batch.drop_column("original_verified_answer_json")
    for table in ("evaluator_score", "moderated_score"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("evidence_location")
            batch.drop_column("sufficiency")
            batch.drop_column("verified_answer_json")
