"""Storage: SQLModel tables, the repository the pipeline, the outbox and the commands talk to, the
records it hands out, and the Alembic migrations. It knows the domain types, never the rules."""
