"""Schema migrations (alembic) driven by ``novalite-manage db sync``."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from novalite.common.db import session

_SCRIPTS = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(url):
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', _SCRIPTS)
    cfg.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
    return cfg


def db_sync(conf, revision='head'):
    """Upgrade the configured database to ``revision``."""
    session.configure(conf)
    engine = session.get_engine()
    cfg = _config(conf.database.connection)
    with engine.begin() as connection:
        cfg.attributes['connection'] = connection
        command.upgrade(cfg, revision)


def db_version(conf):
    session.configure(conf)
    with session.get_engine().connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


def make_revision(url, message):
    """Developer helper: autogenerate a revision against ``url``."""
    command.revision(_config(url), message=message, autogenerate=True)
