"""throttle counters

The counters of the login throttle and of the help chat's guest messages when no Redis is
configured (app/services/throttle.py): one row per key (what is counted: a client address, an
account name) and short time slot (its start, in Unix milliseconds), shared by every worker and
host that uses this database. Rows are pruned once ``expires_at`` (Unix milliseconds) has
passed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('window_start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start')
    )
    op.create_index(op.f('ix_throttle_counter_expires_at'), 'throttle_counter',
                    ['expires_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_throttle_counter_expires_at'), table_name='throttle_counter')
    op.drop_table('throttle_counter')
