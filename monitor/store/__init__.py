"""Storage: SQLModel tables, the repository the pipeline talks to, Alembic migrations."""
