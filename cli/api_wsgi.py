"""novalite-api-wsgi: the WSGI application (``novalite.api.wsgi``) on
Python's reference WSGI server, for trying a config; deploy it under
uwsgi, gunicorn or mod_wsgi (see doc/operations.md)."""

import argparse
import socketserver
import sys
from wsgiref import simple_server


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True
    request_queue_size = 128


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='novalite-api-wsgi', description=__doc__.split('\n')[0],
        epilog='The config comes from $NOVALITE_CONFIG_FILE or the default '
               'places (/etc/novalite/novalite.conf, ...).')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8774)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from novalite.api import wsgi
    server = simple_server.make_server(args.host, args.port,
                                       wsgi.application,
                                       server_class=_ThreadingServer)
    print('novalite-api-wsgi serving on http://%s:%d' % (args.host,
                                                          args.port))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
