"""verdict revisions: one row per change of an alert's verdict

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Number the verdicts already stored per alert in the order they were given, the way the code
# read them (the latest counts); valid on SQLite and PostgreSQL alike.
NUMBER_EXISTING = """
UPDATE verdict SET revision = (
    SELECT COUNT(*) FROM verdict AS earlier
    WHERE earlier.alert_id = verdict.alert_id
      AND (earlier.created_at < verdict.created_at OR (earlier.created_at = verdict.created_at AND earlier.id <= verdict.id))
)
"""


def upgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
    op.execute(NUMBER_EXISTING)
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.alter_column('revision', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_verdict_alert_revision', ['alert_id', 'revision'])


def downgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_constraint('uq_verdict_alert_revision', type_='unique')
        batch_op.drop_column('revision')
