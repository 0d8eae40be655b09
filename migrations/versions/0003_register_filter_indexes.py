"""register indexes for the list filters: speed, secrecy, status, and the dates

A list filtered on speed, secrecy or status (urgent letters, secret ones, cancelled ones) is
counted under the page; without an index of its own that count reads the agency's whole register.
The dates of registration and receipt bound the daily report, the Excel export of a period and the
date searches.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_register_entry_agency_speed": ["register", "agency_id", "speed", "id"],
    "ix_register_entry_agency_secrecy": ["register", "agency_id", "secrecy", "id"],
    "ix_register_entry_agency_status": ["register", "agency_id", "status", "id"],
    "ix_register_entry_agency_registered": ["register", "agency_id", "registered_at"],
    "ix_register_entry_agency_received": ["register", "agency_id", "received_at"],
}


def upgrade():
    with op.batch_alter_table("register_entry", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("register_entry", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
