"""Alembic environment: migrations run on the connection :func:`aggregates.service.db.migrate` passes."""

from alembic import context

from aggregates.service.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
