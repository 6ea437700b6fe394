"""Storage: SQLAlchemy tables, the Database (engine + units of work), Alembic migrations.

The only package that knows the SQL dialect. SQLite (WAL) in the data dir by default,
PostgreSQL through COPILOT_DATABASE_URL; the same migrations build both.
"""

from copilot.db.engine import Database

__all__ = ["Database"]
