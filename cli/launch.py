"""Shared start-up of the service binaries."""

import sys

from novalite.common import config


def prepare(name, argv=None):
    """Parse config and set up logging for binary ``name``; return CONF."""
    conf = config.parse_args(sys.argv[1:] if argv is None else argv)
    config.setup_logging(conf, name)
    return conf
