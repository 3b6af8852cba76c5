"""The WSGI layer around the pecan app: request id and context, the
microversion, the optional project id in compute URLs, Nova fault bodies
for every error (pecan's own 404/405 included) and the headers that every
response carries."""

import json

import webob

from novalite.api import auth
from novalite.api import faults
from novalite.api import microversion
from novalite.common.db import session as db_session

CONTEXT_KEY = 'novalite.context'
VERSION_KEY = 'novalite.api_version'
URL_PROJECT_KEY = 'novalite.url_project_id'
COMPUTE_PREFIX = '/v2.1'

# First path segments after /v2.1 that are resources, not a project id.
_RESOURCES = {'servers', 'flavors', 'images', 'limits', 'extensions'}


class APIMiddleware:

    def __init__(self, app, conf):
        self.app = app
        self.conf = conf

    def __call__(self, environ, start_response):
        # Every answer is JSON (or an image's bytes); like Nova, never refuse
        # a request over its Accept header (pecan would answer 406).
        environ.pop('HTTP_ACCEPT', None)
        req = webob.Request(environ)
        ctx = auth.context_from_request(req, self.conf)
        environ[CONTEXT_KEY] = ctx
        version = microversion.MIN
        # The raw path: a non-UTF-8 one must not fail before the try below.
        compute = _is_compute(environ.get('PATH_INFO', ''))
        try:
            _refuse_unparsable(req)
            if compute:
                version = microversion.from_headers(req.headers)
                self._strip_project(req, ctx)
            environ[VERSION_KEY] = version
            # A database outage: a 503 within seconds, not a hung client.
            with db_session.fail_fast():
                resp = req.get_response(self.app)
            resp = _as_fault(resp)
        except microversion.VersionError as exc:
            resp = faults.response(406, str(exc))
        except faults.Fault as exc:
            resp = faults.response(exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 -- never a traceback page
            resp = faults.from_exception(exc)
        if compute:
            for key, value in microversion.response_headers(version):
                resp.headers[key] = value
        resp.headers['x-openstack-request-id'] = ctx.request_id
        resp.headers['x-compute-request-id'] = ctx.request_id
        return resp(environ, start_response)

    @staticmethod
    def _strip_project(req, ctx):
        """/v2.1/<project>/servers -> /v2.1/servers, remembering the project
        so links keep the form the client used."""
        parts = req.path_info.split('/')
        # ['', 'v2.1', X, rest...]
        req.environ[URL_PROJECT_KEY] = ''
        if len(parts) < 4 or parts[2] in _RESOURCES or \
                parts[2].startswith('os-') or parts[2] == '':
            return
        project_id = parts[2]
        if project_id != ctx.project_id and not ctx.is_admin:
            raise faults.bad_request(
                "Malformed request URL: URL's project_id '%s' doesn't match "
                "Context's project_id '%s'" % (project_id, ctx.project_id))
        req.environ[URL_PROJECT_KEY] = project_id
        req.path_info = '/'.join(parts[:2] + parts[3:])


_JSON_TYPES = ('application/json', 'application/javascript')


def _refuse_unparsable(req):
    """What pecan itself would choke on while routing (a 500 or a logged
    traceback), refused first with a fault: a URL that is not UTF-8, a JSON
    body that is not UTF-8 or nests past the parser's recursion limit, a
    multipart form (pecan parses it into arguments; Nova takes only JSON)."""
    try:
        req.path_info
        req.GET
    except UnicodeDecodeError:
        raise faults.bad_request('Malformed request URL: not UTF-8.')
    ctype = req.content_type
    if ctype == 'multipart/form-data' and req.content_length:
        raise faults.Fault(415, 'Unsupported Content-Type')
    if ctype in _JSON_TYPES and req.content_length:
        try:
            json.loads(req.body.decode('utf-8'))
        except (UnicodeDecodeError, RecursionError):
            raise faults.bad_request('Malformed request body')
        except ValueError:
            pass    # the controller answers with what is wrong


def _is_compute(path):
    return path == COMPUTE_PREFIX or path.startswith(COMPUTE_PREFIX + '/')


def _as_fault(resp):
    """Rewrite an error response that is not already a JSON fault."""
    if resp.status_code < 400:
        return resp
    if resp.content_type == 'application/json':
        try:
            data = json.loads(resp.body or b'null')
        except ValueError:
            data = None
        if isinstance(data, dict) and len(data) == 1:
            return resp
    code = resp.status_code
    message = faults.DEFAULT_MESSAGES.get(code, resp.status.split(' ', 1)[-1])
    new = faults.response(code, message)
    if 'Allow' in resp.headers:
        new.headers['Allow'] = resp.headers['Allow']
    return new
