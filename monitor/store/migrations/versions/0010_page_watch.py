"""page watch: alerted pages looked at again, and the edits and removals found

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_watch',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('gone', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name='fk_page_watch_item'),
        sa.PrimaryKeyConstraint('item_id'),
    )
    op.create_table(
        'page_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('change', sa.String(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('diff', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name='fk_page_revision_item'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_page_revision_item_id', 'page_revision', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_page_revision_item_id', table_name='page_revision')
    op.drop_table('page_revision')
    op.drop_table('page_watch')
