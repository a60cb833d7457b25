"""transparency: a random salt per audit event (the Merkle leaf), signed tree heads

Issue 12, finding 4 (docs/adr/0015). Every existing event gets a random salt: the
Merkle tree over the log starts at event 1, so the first published checkpoint covers
the whole history. The old chain-head checkpoints (audit_checkpoints) stay and are
still checked. Downgrading drops the salts and the tree heads; witnesses then hold
checkpoints the server can no longer reproduce (they will report a rewrite).

Revision ID: 0006_transparency
Revises: 0005_enrolment
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_transparency"
down_revision = "0005_enrolment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salt", sa.LargeBinary(length=16), nullable=True))
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("salt", sa.LargeBinary))
    conn = op.get_bind()
    for (event_id,) in conn.execute(sa.select(events.c.id)).fetchall():
        conn.execute(events.update().where(events.c.id == event_id)
                     .values(salt=secrets.token_bytes(16)))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("salt", existing_type=sa.LargeBinary(length=16), nullable=False)
    op.create_table(
        "log_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("iss", sa.String(length=8), nullable=False),
        sa.Column("kid", sa.LargeBinary(length=8), nullable=False),
        sa.Column("signed", sa.LargeBinary(length=512), nullable=False),
        sa.Column("witnessed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_checkpoints")),
    )
    with op.batch_alter_table("log_checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_checkpoints_size"), ["size"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("log_checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_checkpoints_size"))
    op.drop_table("log_checkpoints")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("salt")
