"""The WSGI application: pecan routes and controllers, wrapped by the
API middleware (context, microversions, faults, headers)."""

import pecan

from novalite.api import auth
from novalite.api.controllers import root
from novalite.api import faults
from novalite.api import middleware
from novalite.api import policy


class FaultHook(pecan.hooks.PecanHook):
    """Turn whatever a controller raised into a Nova fault response."""

    def on_error(self, state, exc):
        return faults.from_exception(exc)


def setup_app(conf):
    """A WSGI app serving the compute API (/, /v2.1) and images (/image).

    :raises: auth.InsecureDeployment for noauth2 on a non-loopback address
    """
    auth.check_deployment(conf)
    policy.register_opts(conf)
    app = pecan.make_app(root.RootController(conf), hooks=[FaultHook()],
                         logging=False, debug=False, force_canonical=False,
                         guess_content_type_from_ext=False)
    app = middleware.APIMiddleware(app, conf)
    if conf.api.auth_strategy == 'keystone':
        from novalite.api import keystone_auth
        app = keystone_auth.KeystoneAuth(app, conf)
    return app
