"""role defaults applied

Which (role, permission) pairs the levels' defaults have been applied to, so that
``flask eoffice sync-roles`` writes a default once (a new role, a new permission) and never
again over what an administrator granted or revoked (app/services/roles.py).

An installation upgraded to this revision has roles as the administrator left them: every pair
of an existing role and an existing permission is recorded as found (``granted`` NULL), so that
the first sync after the upgrade changes none of them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_default',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('permission_view_id', sa.Integer(), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['permission_view_id'], ['ab_permission_view.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', 'permission_view_id')
    )
    op.create_index(op.f('ix_role_default_permission_view_id'), 'role_default',
                    ['permission_view_id'], unique=False)
    # Every pair as the installation has it, granted or not: "as found" (NULL).
    if op.get_bind().dialect.name == "postgresql":
        now = "timezone('utc', now())"
    else:
        now = "CURRENT_TIMESTAMP"  # SQLite's is UTC
    op.execute(f"""
        INSERT INTO role_default (role_id, permission_view_id, granted, applied_at)
        SELECT ab_role.id, ab_permission_view.id, NULL, {now}
        FROM ab_role CROSS JOIN ab_permission_view
    """)


def downgrade():
    op.drop_index(op.f('ix_role_default_permission_view_id'), table_name='role_default')
    op.drop_table('role_default')
