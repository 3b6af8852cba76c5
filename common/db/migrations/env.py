"""Alembic environment: runs migrations on the engine novalite is
configured with (see ``novalite.common.db.migration.db_sync``)."""

from alembic import context

from novalite.common.db import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online():
    connectable = config.attributes.get('connection')
    if connectable is None:
        from sqlalchemy import create_engine
        connectable = create_engine(config.get_main_option('sqlalchemy.url'))
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
