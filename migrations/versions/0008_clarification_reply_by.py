"""A clarification carries the date the provider is asked to reply by.

While a clarification is unanswered and its reply-by date has not passed it is open, and the panel
cannot record a decision; once the date has passed unanswered the panel may proceed, and the panel
report lists the question as unanswered.  Questions asked before this revision keep no date (NULL)
and stay open until answered: no date is invented for them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clarification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_by", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("clarification", schema=None) as batch_op:
        batch_op.drop_column("reply_by")
