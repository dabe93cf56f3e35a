"""Alembic's migration environment for the state database, shipped inside the package."""
