"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One function per table, in the order Alembic generated them (a table after those it refers to).
    _create_item()
    _create_source_state()
    _create_alert()
    _create_item_key()
    _create_rule_match()
    _create_delivery()


def _create_item() -> None:
    """Articles as stored, with their score, and the indexes the listings sort and filter by."""
    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(), nullable=False),
    sa.Column('guid', sa.String(), nullable=True),
    sa.Column('url', sa.String(), nullable=True),
    sa.Column('canonical_url', sa.String(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sa.String(), nullable=True),
    sa.Column('language', sa.String(), nullable=True),
    sa.Column('site_name', sa.String(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extraction', sa.String(), nullable=False),
    sa.Column('extraction_error', sa.Text(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('elections', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_source_id'), ['source_id'], unique=False)


def _create_source_state() -> None:
    """Per-source polling state: validators for conditional requests, errors, backoff."""
    op.create_table('source_state',
    sa.Column('source_id', sa.String(), nullable=False),
    sa.Column('etag', sa.String(), nullable=True),
    sa.Column('last_modified', sa.String(), nullable=True),
    sa.Column('content_hash', sa.String(), nullable=True),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_warning', sa.Text(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('source_id')
    )


def _create_alert() -> None:
    """Alerts raised for an item (one at most per item) or operational ones (no item)."""
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_kind'), ['kind'], unique=False)


def _create_item_key() -> None:
    """Every identity of an item (canonical URL, guid, title hash): its primary key de-duplicates."""
    op.create_table('item_key',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('item_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_key_item_id'), ['item_id'], unique=False)


def _create_rule_match() -> None:
    """The rules that matched an item, with their evidence."""
    op.create_table('rule_match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rule_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_match_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rule_match_rule_id'), ['rule_id'], unique=False)


def _create_delivery() -> None:
    """One delivery of an alert to one channel: the outbox's state and retry schedule."""
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'channel', name='uq_delivery_alert_channel')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_state'), ['state'], unique=False)


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_state'))
        batch_op.drop_index(batch_op.f('ix_delivery_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_alert_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('rule_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_match_rule_id'))
        batch_op.drop_index(batch_op.f('ix_rule_match_item_id'))

    op.drop_table('rule_match')
    with op.batch_alter_table('item_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_key_item_id'))

    op.drop_table('item_key')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_kind'))
        batch_op.drop_index(batch_op.f('ix_alert_created_at'))

    op.drop_table('alert')
    op.drop_table('source_state')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_source_id'))
        batch_op.drop_index(batch_op.f('ix_item_published_at'))

    op.drop_table('item')
    # ### end Alembic commands ###
