"""The migrations build exactly the schema the code's tables describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import monitor.store.tables  # noqa: F401  (the tables register on SQLModel.metadata)
from monitor.store.engine import head_revision, is_current, make_engine, upgrade


def test_the_migrated_schema_is_the_tables_schema(tmp_path: Path) -> None:
    """After `db upgrade` nothing differs between the database and the SQLModel tables."""
    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine) and head_revision() is not None
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
