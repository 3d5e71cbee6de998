"""leases: work held by one of several workers at a time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lease',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('holder', sa.String(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index(op.f('ix_lease_expires_at'), 'lease', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lease_expires_at'), table_name='lease')
    op.drop_table('lease')
