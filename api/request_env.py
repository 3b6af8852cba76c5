"""What controllers read from the current request: the context, the
microversion, the JSON body and the URL prefixes for links."""

import json

import pecan

from novalite.api import faults
from novalite.api import microversion
from novalite.api import middleware


def context():
    return pecan.request.environ[middleware.CONTEXT_KEY]


def api_version():
    return pecan.request.environ.get(middleware.VERSION_KEY,
                                     microversion.MIN)


def version_at_least(text):
    return api_version() >= microversion.APIVersion(text)


def json_body():
    """The request body as a dict; 400 "Malformed request body" if not."""
    raw = pecan.request.body
    try:
        data = json.loads(raw.decode('utf-8')) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack.
        raise faults.bad_request('Malformed request body')
    if not isinstance(data, dict):
        raise faults.bad_request('Malformed request body')
    return data


def base_url(conf):
    """Scheme://host[:port][script] the client reached us at."""
    if conf.api.public_endpoint:
        return conf.api.public_endpoint.rstrip('/')
    return pecan.request.application_url.rstrip('/')


def compute_prefixes(conf):
    """(self prefix, bookmark prefix) for compute links, with the project
    id only when the request URL carried one (as Nova does)."""
    base = base_url(conf)
    project = pecan.request.environ.get(middleware.URL_PROJECT_KEY) or ''
    suffix = '/' + project if project else ''
    return base + '/v2.1' + suffix, base + suffix


def params():
    return pecan.request.GET


def set_status(code):
    pecan.response.status = code


def only_get():
    """Generic pecan handlers get every unregistered method: refuse them."""
    if pecan.request.method not in ('GET', 'HEAD'):
        raise faults.Fault(405, 'The method is not allowed for this '
                                'resource.')
