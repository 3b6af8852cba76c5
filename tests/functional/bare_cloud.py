"""A cloud's config, SQLite database and RabbitMQ vhost with no service
running: for tests that start services their own way (systemd's notify
protocol, a WSGI server, the built-in server under load)."""

import contextlib
import shutil
import tempfile
import uuid

from novalite.common import rpc
from novalite.tools import localcloud


@contextlib.contextmanager
def bare_cloud(extra_conf=None, **kwargs):
    state = tempfile.mkdtemp(prefix='nl-ops-')
    db = localcloud.Database('sqlite', state)
    cloud = localcloud.LocalCloud(
        state, db.url, vhost='novalite-ops-%s' % uuid.uuid4().hex[:8],
        extra_conf=extra_conf, **kwargs)
    cloud.write_config()
    cloud.ensure_vhost()
    try:
        cloud.manage('bootstrap')
        yield cloud
    finally:
        cloud.stop()
        rpc.cleanup()
        cloud.delete_vhost()
        shutil.rmtree(state, ignore_errors=True)
