"""The compute API's WSGI application, built when this module is imported:
for servers that look the callable up in the module's dict (uwsgi's
``--module``, mod_wsgi). Run them so each worker imports it after the
fork (uwsgi ``--lazy-apps``): database pools and the heartbeat thread
belong to one process. gunicorn takes ``novalite.api.wsgi:application``.
"""

from novalite.api import wsgi

application = wsgi.init_application()
