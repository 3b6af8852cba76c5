"""The RPC façade carries the request context across a real oslo.messaging
round trip (fake:// transport in-process)."""

import datetime

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import rpc


class _Endpoint:
    def whoami(self, ctxt, when):
        return {'user': ctxt.user_id, 'project': ctxt.project_id,
                'roles': ctxt.roles, 'request_id': ctxt.request_id,
                'is_admin': ctxt.is_admin, 'when': when}

    def missing(self, ctxt):
        raise exception.InstanceNotFound(instance_id='abc')


def test_context_and_payload_round_trip(conf):
    server = rpc.get_server(conf, 'unit-topic', 'h', '1.0', [_Endpoint()])
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
