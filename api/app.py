"""The WSGI application: pecan routes and controllers, wrapped by the
API middleware (context, microversions, faults, headers)."""

import pecan

from novalite.api import auth
from novalite.api.controllers import root
from novalite.api import faults
from novalite.api import middleware


class FaultHook(pecan.hooks.PecanHook):
    """Turn whatever a controller raised into a Nova fault response."""

    def on_error(self, state, exc):
        return faults.from_exception(exc)


def setup_app(conf):
    """A WSGI app serving the compute API (/, /v2.1) and images (/image).

    :raises: auth.InsecureDeployment for noauth2 on a non-loopback address
    """
    auth.check_deployment(conf)
    app = pecan.make_app(root.RootController(conf), hooks=[FaultHook()],
                         logging=False, debug=False, force_canonical=False,
                         guess_content_type_from_ext=False)
    return middleware.APIMiddleware(app, conf)
