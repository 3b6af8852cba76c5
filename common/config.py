"""Process start-up: parse the command line and config files, set logging
and library defaults (SQLite under state_path, RabbitMQ on localhost)."""

import os

from oslo_db import options as db_options
from oslo_log import log as logging

from novalite.common.conf import CONF

_DEFAULT_TRANSPORT = 'rabbit://guest:guest@127.0.0.1:5672/'
_LOG_REGISTERED = False


def sqlite_url(state_path):
    return 'sqlite:///' + os.path.join(state_path, 'novalite.sqlite')


def set_defaults(conf):
    global _LOG_REGISTERED
    if not _LOG_REGISTERED:
        logging.register_options(conf)
        _LOG_REGISTERED = True
    db_options.set_defaults(conf, connection=None)
    from novalite.common import rpc
    rpc.set_defaults(conf, _DEFAULT_TRANSPORT)


def parse_args(argv, conf=CONF, default_config_files=None):
    """Parse ``argv`` (without the program name) into ``conf``."""
    set_defaults(conf)
    conf(argv, project='novalite',
         default_config_files=default_config_files)
    if not conf.database.connection:
        os.makedirs(conf.state_path, exist_ok=True)
        conf.set_default('connection', sqlite_url(conf.state_path),
                         group='database')
    return conf


def setup_logging(conf, name):
    logging.setup(conf, name)
