"""evidence: the bytes an alerting item was read from (feed document, page), kept compressed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Alerts raised before this revision have no evidence kept.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('final_url', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name='fk_evidence_item'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_evidence_item_id', 'evidence', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_evidence_item_id', table_name='evidence')
    op.drop_table('evidence')
