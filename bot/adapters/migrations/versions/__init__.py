"""The state database's revisions, oldest first; Alembic itself ignores this file."""
