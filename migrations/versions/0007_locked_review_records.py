"""Conditions, publications and conflict declarations are protected by the database, as decisions are.

They are part of the record a challenge reads. The application only ever closes a condition once
(status, closure note, time), stores the date a published decision became final once, and changes a
conflict declaration only by declaring again or mitigating it (each change, with the old values, in
the audit trail); the database now refuses everything else, including deletes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table: (columns that never change, SQL true when an update is one the application makes, refusal)
_RULES = {
    "decision_condition": (
        ("id", "decision_id", "text", "owner", "due_on"),
        "OLD.status = 'open'",
        "decision_condition is locked: a condition can only be closed, once",
    ),
    "decision_publication": (
        ("id", "submission_id", "decision_id", "published_on", "standstill_ends_on", "published_by_id", "published_at"),
        "OLD.final_on IS NULL",
        "decision_publication is locked: only the date the decision became final can be stored, once",
    ),
    "conflict_declaration": (
        ("id", "round_id", "user_id", "applicant_id"),
        # Declaring again or recording a mitigation is allowed: whose declaration about whom is not.
        "1 = 1",
        "conflict_declaration is locked: a declaration cannot be deleted or moved to another person or applicant",
    ),
}


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"NEW.{column} {distinct} OLD.{column}" for column in columns)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, (fixed, allowed, message) in _RULES.items():
        if postgresql:
            op.execute(f"""
                CREATE FUNCTION {table}_is_locked() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        RAISE EXCEPTION '{message}';
                    END IF;
                    IF {_changed(fixed, "IS DISTINCT FROM")} OR NOT ({allowed}) THEN
                        RAISE EXCEPTION '{message}';
                    END IF;
                    RETURN NEW;
                END;
                $$ LANGUAGE plpgsql
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_is_locked()
            """)
        else:
            op.execute(f"""
                CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_locked BEFORE UPDATE ON {table}
                WHEN {_changed(fixed, "IS NOT")} OR NOT ({allowed})
                BEGIN SELECT RAISE(ABORT, '{message}'); END
            """)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _RULES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_is_locked()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_locked")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
