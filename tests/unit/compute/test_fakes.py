"""The conductor double may only offer what the real conductor API offers,
with the same parameters, so compute tests cannot rely on a call the real
agent could never make."""

import inspect

from novalite.conductor import rpcapi as conductor_rpcapi
from novalite.tests.unit.compute import fakes

# The double's own inspection helpers, not conductor methods.
_HELPERS = {'called'}


def test_conductor_double_mirrors_the_conductor_rpc_api():
    real = conductor_rpcapi.ConductorAPI
    for name, method in inspect.getmembers(fakes.ConductorDouble,
                                           inspect.isfunction):
        if name.startswith('_') or name in _HELPERS:
            continue
        assert hasattr(real, name), '%s is not a conductor RPC method' % name
        assert inspect.signature(method) == inspect.signature(
            getattr(real, name)), name
