"""What hangs off a flavor (after Nova's flavors_extraspecs and
flavor_access):

- ``/flavors/<id>/os-extra_specs[/<key>]``: list and show (project
  readers), create/update and delete (admins); from 2.86 the keys of the
  namespaces Nova knows are validated (api/extra_spec_validators.py).
- ``/flavors/<id>/os-flavor-access``: the projects a private flavor is
  shared with (admins; 404 for a public flavor).
- ``POST /flavors/<id>/action`` ``addTenantAccess`` / ``removeTenantAccess``
  (admins): 409 for a public flavor (2.7) or a project that has it already,
  404 for one that has not.

Status codes are Nova's: 200 with the body for every write (create,
update, delete of an extra spec; the access actions answer the list)."""

import pecan

from novalite.api import extra_spec_validators
from novalite.api import faults
from novalite.api import policy
from novalite.api import request_env
from novalite.api import validation
from novalite.common.db import flavor_extras
from novalite.common.db import flavors as flavors_db
from novalite.common import exception

SPECS = 'os_compute_api:os-flavor-extra-specs:%s'
ACCESS = 'os_compute_api:os-flavor-access'

_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$'
_VALUE = {'type': ['string', 'number', 'boolean'], 'minLength': 0,
          'maxLength': 255}
create_specs = {
    'type': 'object',
    'properties': {
        'extra_specs': {'type': 'object',
                        'patternProperties': {_KEY: _VALUE},
                        'additionalProperties': False},
    },
    'required': ['extra_specs'],
    'additionalProperties': False,
}
update_spec = {
    'type': 'object', 'patternProperties': {_KEY: _VALUE},
    'additionalProperties': False, 'minProperties': 1, 'maxProperties': 1,
}
_TENANT = {'type': 'object',
           'properties': {'tenant': {'type': 'string', 'minLength': 1,
                                     'maxLength': 255}},
           'required': ['tenant'], 'additionalProperties': False}
ACTIONS = {name: {'type': 'object', 'properties': {name: _TENANT},
                  'required': [name], 'additionalProperties': False}
           for name in ('addTenantAccess', 'removeTenantAccess')}


def get_visible(ctx, flavorid):
    """The flavor, FlavorNotFound (404) when ``ctx`` may not see it."""
    flavor = flavors_db.get_by_flavorid(ctx, flavorid)
    if not flavor_extras.visible(ctx, flavor):
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return flavor


def _checked_specs(specs):
    """Extra spec values as stored (strings), Nova's checks on them: the
    255 characters of a number's text, and from 2.86 the validators."""
    validate = request_env.version_at_least('2.86')
    stored = {}
    for name, value in specs.items():
        if isinstance(value, bool):
            text = str(value)
        elif isinstance(value, (int, float)):
            text = str(value)
            if len(text) > 255:
                raise faults.bad_request('extra_specs value has more than '
                                         '255 characters.')
        else:
            text = value
        if validate:
            extra_spec_validators.validate(name, text)
        stored[name] = text
    return stored


class FlavorExtraSpecController:
    """/flavors/<id>/os-extra_specs/<key>"""

    def __init__(self, conf, flavorid, key):
        self.conf = conf
        self.flavorid = flavorid
        self.key = key

    def _missing(self):
        return faults.Fault(404, 'Flavor %s has no extra specs with key %s.'
                            % (self.flavorid, self.key))

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, SPECS % 'show',
                         {'project_id': ctx.project_id})
        specs = get_visible(ctx, self.flavorid)['extra_specs']
        if self.key not in specs:
            raise self._missing()
        return {self.key: specs[self.key]}

    @index.when(method='PUT', template='json')
    def index_put(self):
        ctx = request_env.context()
        body = request_env.json_body()
        validation.validate(update_spec, body)
        policy.authorize(self.conf, ctx, SPECS % 'update', {})
        stored = _checked_specs(body)
        if self.key not in body:
            raise faults.bad_request('Request body and URI mismatch')
        flavor_extras.extra_specs_update(ctx, self.flavorid, stored)
        return body

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, SPECS % 'delete', {})
        try:
            flavor_extras.extra_spec_delete(ctx, self.flavorid, self.key)
        except flavor_extras.FlavorExtraSpecsNotFound:
            raise self._missing()
        # 200 with no body, as Nova (pecan would make an empty 200 a 204
        # unless the body is a generator that yields something).
        resp = pecan.response
        resp.status = 200
        resp.app_iter = (chunk for chunk in (b'',))
        return resp


class FlavorExtraSpecsController:
    """/flavors/<id>/os-extra_specs"""

    def __init__(self, conf, flavorid):
        self.conf = conf
        self.flavorid = flavorid

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, SPECS % 'index',
                         {'project_id': ctx.project_id})
        return {'extra_specs': get_visible(ctx, self.flavorid)[
            'extra_specs']}

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        body = request_env.json_body()
        validation.validate(create_specs, body)
        policy.authorize(self.conf, ctx, SPECS % 'create', {})
        stored = _checked_specs(body['extra_specs'])
        flavor_extras.extra_specs_update(ctx, self.flavorid, stored)
        return body

    @pecan.expose()
    def _lookup(self, key, *remainder):
        return FlavorExtraSpecController(self.conf, self.flavorid,
                                         key), remainder


def _access_list(flavorid, projects):
    return {'flavor_access': [{'flavor_id': flavorid, 'tenant_id': p}
                              for p in projects]}


class FlavorAccessController:
    """/flavors/<id>/os-flavor-access"""

    def __init__(self, conf, flavorid):
        self.conf = conf
        self.flavorid = flavorid

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, ACCESS, {})
        flavor = flavors_db.get_by_flavorid(ctx, self.flavorid)
        if flavor['is_public']:
            raise faults.Fault(404, 'Access list not available for public '
                               'flavors.')
        return _access_list(flavor['flavorid'], flavor['projects'])


class FlavorActionController:
    """POST /flavors/<id>/action: addTenantAccess, removeTenantAccess."""

    def __init__(self, conf, flavorid):
        self.conf = conf
        self.flavorid = flavorid

    @pecan.expose(generic=True, template='json')
    def index(self):
        raise faults.Fault(405, 'The method is not allowed for this '
                                'resource.')

    @index.when(method='POST', template='json')
    def index_post(self):
        ctx = request_env.context()
        body = request_env.json_body()
        if len(body) != 1:
            raise faults.bad_request('Malformed request body: too many '
                                     'body keys')
        (name,) = body
        if name not in ACTIONS:
            raise faults.bad_request('There is no such action: %s' % name)
        validation.validate(ACTIONS[name], body)
        tenant = body[name]['tenant']
        if name == 'addTenantAccess':
            policy.authorize(self.conf, ctx, ACCESS + ':add_tenant_access',
                             {})
            flavor = flavors_db.get_by_flavorid(ctx, self.flavorid)
            if flavor['is_public'] and \
                    request_env.version_at_least('2.7'):
                raise faults.Fault(409, 'Can not add access to a public '
                                   'flavor.')
            projects = flavor_extras.access_add(ctx, self.flavorid, tenant)
        else:
            policy.authorize(self.conf, ctx,
                             ACCESS + ':remove_tenant_access', {})
            flavor = flavors_db.get_by_flavorid(ctx, self.flavorid)
            projects = flavor_extras.access_remove(ctx, self.flavorid,
                                                   tenant)
        return _access_list(flavor['flavorid'], projects)
