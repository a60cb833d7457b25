"""enrolment links, who set up each account, sealed TOTP secrets (issue 12, finding 5 and 7)

Schema only, plus one change that needs no key: accounts that never enrolled a second
factor had a password beheer had seen, and took the second factor from whoever logged in
first; they now wait for an enrolment link (their password stops working). Sealing the
existing TOTP secrets needs instance/totp.key, which a migration cannot reach (it gets
only the database URL): the service seals them at its next start, once
(tokenservice.access.accounts.prepare_totp, docs/adr/0013). Downgrading does not unseal: the
sealed secrets are dropped and every official enrols again.

Revision ID: 0005_enrolment
Revises: 0004_limiter
"""

from __future__ import annotations

import base64
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005_enrolment"
down_revision = "0004_limiter"
branch_labels = None
depends_on = None

#: Not an argon2 hash: no password matches it (tokenservice.access.accounts.PENDING_HASH).
PENDING_HASH = "!enrolment-pending"


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("provisioned_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("provisioned_at", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_accounts_provisioned_by_accounts"), "accounts", ["provisioned_by"], ["id"]
        )
    op.create_table(
        "enrolment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_enrolment_links_account_id_accounts")),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"],
                                name=op.f("fk_enrolment_links_created_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enrolment_links_token_hash")),
    )
    with op.batch_alter_table("enrolment_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_links_account_id"), ["account_id"],
                              unique=False)
    accounts = sa.table("accounts", sa.column("password_hash", sa.String),
                        sa.column("totp_secret", sa.String), sa.column("totp_enrolled", sa.Boolean))
    op.execute(
        accounts.update().where(accounts.c.totp_enrolled == sa.false())
        .values(password_hash=PENDING_HASH, totp_secret=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolment_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_links_account_id"))
    op.drop_table("enrolment_links")
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String),
                        sa.column("totp_enrolled", sa.Boolean))
    # The sealed secrets cannot be unsealed here (no key): each such official enrols a new,
    # random secret at the next login after a downgrade.
    conn = op.get_bind()
    for (account_id,) in conn.execute(sa.select(accounts.c.id).where(accounts.c.totp_secret.is_(None))):
        conn.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(totp_secret=base64.b32encode(secrets.token_bytes(20)).decode(),
                             totp_enrolled=False))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_accounts_provisioned_by_accounts"),
                                 type_="foreignkey")
        batch_op.drop_column("provisioned_at")
        batch_op.drop_column("provisioned_by")
        batch_op.drop_column("totp_sealed")
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=64), nullable=False)
