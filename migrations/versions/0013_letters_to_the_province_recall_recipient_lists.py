"""letters to the province, recall, recipient lists

- ``work_group.own_numbers``: a group that keeps its own outgoing numbers under its own code.
- ``agency.kind``: a provincial agency (ส่วนราชการประจำจังหวัด), a district office (อำเภอ) or
  another (หน่วยงานอื่น), by which the recipients of a letter are grouped.
- ``delivery.recalled_at``/``recalled_by_id``: a delivery its sender took back (เรียกคืน)
  before the recipient accepted it; ``delivery.return_noted_at``: when the sender took note of
  a return (its count on the home page and in the navigation bar falls).
- Files for signature: ``file_stage.held_by`` (a stage at an executive: which kind),
  ``file_move.executive_id`` and ``tracked_file.holder_id`` (which deputy has the file),
  ``tracked_file.owner_noted_at`` (the owner took back a file that came back to them).
- ``contract.reserved_until``: a contract number reserved (จองเลข) as a letter's is, cancelled
  when not filled in by then.
- ``holiday``: the official holidays (national, and the province's own), kept by the
  administrator; working days are counted without them.
- ``directory_contact``: the lines of the phone directory that are not users (an executive, an
  office's line), kept by the clerks of their agency.
- ``recipient_list`` and its members: the recipients an agency's clerks send to often
  (อำเภอทั้งหมด, หน่วยงานในจังหวัด...), each member a (kind, id) of app/registers.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                   server_default='provincial'))
    with op.batch_alter_table('work_group') as batch:
        batch.add_column(sa.Column('own_numbers', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('delivery') as batch:
        batch.add_column(sa.Column('recalled_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('recalled_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('return_noted_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key('fk_delivery_recalled_by', 'ab_user', ['recalled_by_id'], ['id'])
    op.create_index('ix_delivery_sender_entry', 'delivery', ['from_agency_id', 'status', 'id'])
    op.create_table('recipient_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id']),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'name', name='uq_recipient_list_name')
    )
    with op.batch_alter_table('file_stage') as batch:
        batch.add_column(sa.Column('held_by', sa.String(length=12), nullable=True))
    for code, kind in (("with_deputy", "deputy"), ("with_governor", "governor")):
        op.execute(sa.text("UPDATE file_stage SET held_by = :kind WHERE code = :code")
                   .bindparams(kind=kind, code=code))
    # Not a batch: on SQLite that would copy file_move and lose its append-only triggers.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE file_move ADD COLUMN executive_id INTEGER "
                   "REFERENCES executive (id)")
    else:
        op.add_column('file_move', sa.Column(
            'executive_id', sa.Integer(),
            sa.ForeignKey('executive.id', name='fk_file_move_executive'), nullable=True))
    with op.batch_alter_table('tracked_file') as batch:
        batch.add_column(sa.Column('holder_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('owner_noted_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key('fk_tracked_file_holder', 'executive', ['holder_id'], ['id'])
    with op.batch_alter_table('contract') as batch:
        batch.add_column(sa.Column('reserved_until', sa.DateTime(), nullable=True))
    op.create_table('holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day')
    )
    op.create_table('directory_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('work_group_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('extension', sa.String(length=16), nullable=True),
    sa.Column('mobile', sa.String(length=64), nullable=True),
    sa.Column('fax', sa.String(length=64), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id']),
    sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id']),
    sa.ForeignKeyConstraint(['work_group_id'], ['work_group.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_directory_contact_agency_id'), 'directory_contact', ['agency_id'],
                    unique=False)
    op.create_table('recipient_list_member',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['recipient_list.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('list_id', 'kind', 'target_id')
    )


def downgrade():
    with op.batch_alter_table('contract') as batch:
        batch.drop_column('reserved_until')
    op.drop_table('holiday')
    with op.batch_alter_table('tracked_file') as batch:
        batch.drop_constraint('fk_tracked_file_holder', type_='foreignkey')
        batch.drop_column('owner_noted_at')
        batch.drop_column('holder_id')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('fk_file_move_executive', 'file_move', type_='foreignkey')
        op.drop_column('file_move', 'executive_id')
    # (SQLite keeps the column: dropping it would copy file_move and lose its triggers.)
    with op.batch_alter_table('file_stage') as batch:
        batch.drop_column('held_by')
    op.drop_index(op.f('ix_directory_contact_agency_id'), table_name='directory_contact')
    op.drop_table('directory_contact')
    op.drop_table('recipient_list_member')
    op.drop_table('recipient_list')
    op.drop_index('ix_delivery_sender_entry', table_name='delivery')
    with op.batch_alter_table('delivery') as batch:
        batch.drop_constraint('fk_delivery_recalled_by', type_='foreignkey')
        batch.drop_column('return_noted_at')
        batch.drop_column('recalled_at')
        batch.drop_column('recalled_by_id')
    with op.batch_alter_table('agency') as batch:
        batch.drop_column('kind')
    with op.batch_alter_table('work_group') as batch:
        batch.drop_column('own_numbers')
