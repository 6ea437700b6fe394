"""The Database: one engine, sessions as explicit units of work, migrations to the newest schema."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from copilot.config import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # pysqlite's own transaction handling emits no BEGIN before a SAVEPOINT, so RELEASE would
    # commit: take transactions over (SQLAlchemy's documented recipe) so savepoints nest.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    # A unit of work takes the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
    # read first and writes later fails at once with "database is locked" when another writer
    # committed meanwhile (WAL cannot upgrade a stale snapshot), whereas IMMEDIATE waits its turn
    # (busy_timeout). Readers keep plain BEGIN and never block writers.
    immediate = connection.get_execution_options().get("copilot_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """Owns the engine. `transaction()` is the unit of work every multi-row change runs inside."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        if engine is None and settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = engine or make_engine(settings.resolved_database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write_lock: bool = True) -> Iterator[Session]:
        """Commit on success, roll back on any exception: nothing is half-written.

        On SQLite a unit of work takes the write lock when it starts (see `_sqlite_begin`);
        `write_lock=False` is for the per-request session, which mostly reads and must not
        hold the lock while the service it calls opens its own unit of work.
        """
        session = self._sessions()
        if write_lock and self.engine.dialect.name == "sqlite":
            session.connection(execution_options={"copilot_write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end so a reader can never write by accident."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def migrate(self) -> None:
        """Bring the schema to every head (domains add branches of migrations on the foundation)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection_engine"] = self.engine
        command.upgrade(config, "heads")

    def dispose(self) -> None:
        self.engine.dispose()


def refresh_statistics(session: Session, table: str) -> None:
    """Let PostgreSQL's planner see a table that grew inside the current transaction.

    A long import adds 100k rows in one transaction; autovacuum cannot analyze rows nobody else
    can see yet, so the planner keeps the statistics of the (nearly empty) table it started with
    and answers the per-batch duplicate lookups with sequential scans: the 100k-row import ran at
    ~280 rows/s. ANALYZE inside the transaction counts its own new rows. SQLite needs nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f'ANALYZE "{table}"'))
