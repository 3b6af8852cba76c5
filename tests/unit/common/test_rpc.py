"""The RPC façade carries the request context across a real oslo.messaging
round trip (fake:// transport in-process), and services serve only the
methods of their RPC API."""

import datetime
import inspect

import pytest

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import rpc
from novalite.common import service
from novalite.compute import manager as compute_manager
from novalite.compute import rpcapi as compute_rpcapi
from novalite.conductor import manager as conductor_manager
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite.scheduler import manager as scheduler_manager
from novalite.scheduler import rpcapi as scheduler_rpcapi


class _Endpoint:
    def whoami(self, ctxt, when):
        return {'user': ctxt.user_id, 'project': ctxt.project_id,
                'roles': ctxt.roles, 'request_id': ctxt.request_id,
                'is_admin': ctxt.is_admin, 'when': when}

    def missing(self, ctxt):
        raise exception.InstanceNotFound(instance_id='abc')


def test_context_and_payload_round_trip(conf):
    server = rpc.get_server(conf, 'unit-topic', 'h', '1.0', [_Endpoint()],
                            exposed_only=False)
    server.start()
    try:
        client = rpc.get_client(conf, 'unit-topic', '1.0')
        ctx = nl_context.RequestContext(user_id='u1', project_id='p1',
                                        roles=['member'])
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        got = client.call(ctx, 'whoami', when=when)
        assert got == {'user': 'u1', 'project': 'p1', 'roles': ['member'],
                       'request_id': ctx.request_id, 'is_admin': False,
                       'when': '2026-01-02T03:04:05.000000'}
        try:
            client.call(ctx, 'missing')
        except exception.InstanceNotFound as exc:
            assert 'abc' in str(exc)
        else:
            raise AssertionError('InstanceNotFound did not cross the bus')
    finally:
        server.stop()
        server.wait()


def test_admin_role_makes_admin_context():
    ctx = nl_context.RequestContext(user_id='admin', project_id='p',
                                    roles=['admin'])
    assert ctx.is_admin
    again = nl_context.RequestContext.from_dict(ctx.to_dict())
    assert (again.user_id, again.project_id, again.is_admin) == (
        'admin', 'p', True)


class _Guarded:
    target = rpc.target('1.0')

    @rpc.expose
    def api_method(self, ctxt):
        return 'served'

    def helper(self, ctxt):
        raise AssertionError('a helper must never run from the bus')


def test_exposed_only_serves_only_marked_methods(conf):
    server = rpc.get_server(conf, 'guarded', 'h', '1.0', [_Guarded()],
                            exposed_only=True)
    server.start()
    try:
        client = rpc.get_client(conf, 'guarded', '1.0')
        ctx = nl_context.get_admin_context()
        assert client.call(ctx, 'api_method') == 'served'
        with pytest.raises(rpc.NoSuchMethod):
            client.call(ctx, 'helper')
    finally:
        server.stop()
        server.wait()


def _public_methods(cls):
    return {name for name, _m in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith('_')}


def _exposed_methods(cls):
    return {name for name, m in inspect.getmembers(cls, inspect.isfunction)
            if getattr(m, 'exposed', False)}


@pytest.mark.parametrize('manager_cls,client_cls', [
    (compute_manager.ComputeManager, compute_rpcapi.ComputeAPI),
    (conductor_manager.ConductorManager, conductor_rpcapi.ConductorAPI),
    (scheduler_manager.SchedulerManager, scheduler_rpcapi.SchedulerAPI),
], ids=['compute', 'conductor', 'scheduler'])
def test_each_manager_exposes_exactly_its_rpc_api(manager_cls, client_cls):
    """What a service serves is what its rpcapi.py client sends: nothing
    else of the manager (hooks, helpers, the algorithm) is reachable."""
    assert _exposed_methods(manager_cls) == _public_methods(client_cls)
    for name in _exposed_methods(manager_cls):
        client = inspect.signature(getattr(client_cls, name))
        server = inspect.signature(getattr(manager_cls, name))
        # Same names (the compute client also takes the target host, or
        # hosts for a fanout, which the fanout carries along: 1.5).
        targets = (('host', 'hosts') if client_cls is compute_rpcapi.ComputeAPI
                   else ())
        assert [p for p in server.parameters
                if p not in ('self',) + targets] == [
            p for p in client.parameters
            if p not in ('self', 'timeout') + targets], name


def test_services_serve_exposed_methods_only(conf):
    """common/service.py is how every service process builds its server."""
    server = service.rpc_server(conf, 'guarded2', '1.0', _Guarded())
    server.start()
    try:
        client = rpc.get_client(conf, 'guarded2', '1.0')
        with pytest.raises(rpc.NoSuchMethod):
            client.call(nl_context.get_admin_context(), 'helper')
    finally:
        server.stop()
        server.wait()


def test_message_of_drops_the_remote_traceback():
    # What oslo.messaging makes of an exception re-raised from a remote
    # service: its message, a newline, then the remote traceback.
    exc = exception.InstanceNotFound(
        message='Instance x could not be found.\nTraceback (most recent '
                'call last):\n  File "conductor/manager.py", line 79')
    assert rpc.message_of(exc) == 'Instance x could not be found.'
    assert rpc.message_of(ValueError('plain')) == 'plain'
