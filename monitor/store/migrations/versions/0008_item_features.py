"""item features: each item's analysis that no rule changes, kept for re-scoring

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Items stored before this revision have no row: re-scoring computes their analysis (and may
keep it), exactly as it did before.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'item_features',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name='fk_item_features_item'),
        sa.PrimaryKeyConstraint('item_id'),
    )


def downgrade() -> None:
    op.drop_table('item_features')
