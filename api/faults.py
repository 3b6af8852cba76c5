"""Nova's error bodies: ``{"<name>": {"code": N, "message": "..."}}``."""

import json

from oslo_log import log as logging
import webob
import webob.exc

from novalite.common.db import session as db_session
from novalite.common import exception

LOG = logging.getLogger(__name__)

NAMES = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
    404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable',
    409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType',
    429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
}

DEFAULT_MESSAGES = {
    404: 'The resource could not be found.',
    405: 'The method is not allowed for this resource.',
}


DB_UNAVAILABLE = ('The database is unavailable; the request was not '
                  'carried out. Try again later.')


class Fault(Exception):
    """Raised by controllers: answer ``code`` with ``message``."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def bad_request(message):
    return Fault(400, message)


def body(code, message):
    name = NAMES.get(code, 'computeFault')
    return {name: {'code': code, 'message': message}}


def response(code, message, headers=None):
    resp = webob.Response(status=code, content_type='application/json',
                          charset='UTF-8')
    resp.body = json.dumps(body(code, message)).encode('utf-8')
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def from_exception(exc):
    """The fault response for any exception a controller let escape."""
    if isinstance(exc, Fault):
        return response(exc.code, exc.message)
    if isinstance(exc, exception.NovaliteException) and exc.code < 500:
        return response(exc.code, exc.message)
    if db_session.is_unavailable(exc):
        # The database is down, restarting or locked: the client may try
        # again; one line in the log, no traceback (it is not a bug).
        LOG.warning('database unavailable: %s: %s', type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else '')
        return response(503, DB_UNAVAILABLE, {'Retry-After': '5'})
    if isinstance(exc, webob.exc.HTTPException) and exc.code >= 400:
        message = exc.detail or exc.explanation or exc.title
        return response(exc.code, DEFAULT_MESSAGES.get(exc.code, message)
                        if not exc.detail else message)
    LOG.exception('unexpected API error')
    return response(500, 'Unexpected API Error. Please report this and '
                    'attach the novalite API log if possible.\n%s'
                    % type(exc))
