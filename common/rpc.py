"""The one façade over oslo.messaging: transport, the serializer that carries
the request context across hops, RPC clients and servers. Nothing else in
novalite imports oslo.messaging."""

import functools

from oslo_log import log as logging
from oslo_service import backend as service_backend

# oslo.messaging imports oslo.service, whose default backend is eventlet
# (deprecated upstream); choose the threading backend before that import.
if service_backend._cached_backend_type is None:
    service_backend.init_backend(service_backend.BackendType.THREADING)

import oslo_messaging as messaging  # noqa: E402
from oslo_messaging.rpc import dispatcher  # noqa: E402
from oslo_messaging.rpc import server as rpc_server  # noqa: E402
from oslo_serialization import jsonutils  # noqa: E402

from novalite.common import context as nl_context  # noqa: E402

LOG = logging.getLogger(__name__)

EXCHANGE = 'novalite'

_TRANSPORTS = {}

# Exceptions raised by our managers travel back to callers by name; only
# these modules may be re-raised on the client side.
ALLOWED_EXMODS = ['novalite.common.exception']

RemoteError = messaging.RemoteError
MessagingTimeout = messaging.MessagingTimeout
MessagingException = messaging.MessagingException
ExpectedException = messaging.ExpectedException
# What a client gets (inside a RemoteError) for a method the server does not
# expose.
NoSuchMethod = dispatcher.NoSuchMethod

# Marks a manager method as part of its service's RPC API. Services serve
# only marked methods (``get_server``'s default), so helpers
# and hooks that happen to be public (``init_host``, the scheduler's
# ``select``) cannot be called by whoever reaches the broker.
expose = messaging.expose


def set_defaults(conf, transport_url):
    """Register oslo.messaging's options and point it at a broker."""
    messaging.set_transport_defaults(EXCHANGE)
    # Register transport_url now (get_rpc_transport would do it later) so
    # config files and set_default see it.
    conf.register_opts(messaging.transport._transport_opts)
    conf.set_default('transport_url', transport_url)


def get_transport(conf):
    """One RPC transport per (config, URL) in a process."""
    key = (id(conf), conf.transport_url)
    if key not in _TRANSPORTS:
        _TRANSPORTS[key] = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)
    return _TRANSPORTS[key]


def cleanup():
    for transport in _TRANSPORTS.values():
        transport.cleanup()
    _TRANSPORTS.clear()


class RequestContextSerializer(messaging.Serializer):
    """JSON-safe payloads plus our RequestContext on both ends."""

    def serialize_entity(self, context, entity):
        return jsonutils.to_primitive(entity, convert_instances=True)

    def deserialize_entity(self, context, entity):
        return entity

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return nl_context.RequestContext.from_dict(context)


def get_client(conf, topic, version, server=None, version_cap=None):
    """An RPC client for ``topic``; ``server`` pins it to one host."""
    target = messaging.Target(topic=topic, version=version, server=server)
    return messaging.get_rpc_client(
        get_transport(conf), target, version_cap=version_cap,
        serializer=RequestContextSerializer(), timeout=conf.rpc_call_timeout)


def get_server(conf, topic, server, version, endpoints, exposed_only=True):
    """An RPC server for ``endpoints`` on ``topic``, reachable both as the
    topic's pool and directly as ``server``. The executor is oslo.messaging's
    threading one (its default now that eventlet is deprecated).

    :param exposed_only: serve only methods marked with :func:`expose`
        (the default, and what every service does); False serves every
        public method (test doubles, benchmarks).
    """
    target = messaging.Target(topic=topic, server=server, version=version)
    policy = (dispatcher.ExplicitRPCAccessPolicy if exposed_only
              else dispatcher.DefaultRPCAccessPolicy)
    return messaging.get_rpc_server(
        get_transport(conf), target, endpoints,
        serializer=RequestContextSerializer(), access_policy=policy)


class _ByHost:
    """Hands each message of a many-host server to the endpoints of the
    host it was addressed to (its routing key ``<topic>.<host>``), and a
    fanout cast to every host's -- or, when its arguments name ``hosts``
    (a list: those it is for), to those of them that are here only."""

    def __init__(self, topic, dispatchers):
        self.topic = topic
        self.dispatchers = dispatchers

    def dispatch(self, incoming):
        raw = getattr(incoming.message, '_raw_message', None)
        info = getattr(raw, 'delivery_info', None) or {}
        if info.get('exchange') == '%s_fanout' % self.topic:
            wanted = (incoming.message.get('args') or {}).get('hosts')
            targets = (self.dispatchers.items() if not isinstance(
                wanted, list) else [(h, self.dispatchers[h]) for h in
                                    wanted if isinstance(h, str)
                                    and h in self.dispatchers])
            for host, one in targets:
                try:
                    one.dispatch(incoming)
                except Exception:  # noqa: BLE001 -- other hosts still get it
                    LOG.exception('fanout %s to %s failed',
                                  incoming.message.get('method'), host)
            return None
        host = info.get('routing_key', '')[len(self.topic) + 1:]
        if host not in self.dispatchers:
            raise NoSuchMethod('%s (no host %r here)' % (
                incoming.message.get('method'), host))
        return self.dispatchers[host].dispatch(incoming)


class _ManyHostServer(rpc_server.RPCServer):
    """One RPC server, one broker connection and one poll thread for the
    queues ``<topic>.<host>`` of many hosts plus the topic's fanout."""

    def __init__(self, transport, topic, version, dispatchers):
        first = next(iter(dispatchers))
        super().__init__(transport, messaging.Target(
            topic=topic, server=first, version=version),
            _ByHost(topic, dispatchers), executor='threading')
        self._hosts = list(dispatchers)

    def _create_listener(self):
        # The rabbit driver's own listen(), widened from one server name
        # to many: it opens one connection per listener.
        from oslo_messaging._drivers import amqpdriver
        from oslo_messaging._drivers import base as driver_base
        from oslo_messaging._drivers import common as driver_common
        driver = self.transport._driver
        conn = driver._get_connection(driver_common.PURPOSE_LISTEN)
        listener = amqpdriver.RpcAMQPListener(driver, conn)
        exchange = driver._get_exchange(self._target)
        for host in self._hosts:
            conn.declare_topic_consumer(
                exchange_name=exchange, callback=listener,
                topic='%s.%s' % (self._target.topic, host))
        conn.declare_fanout_consumer(self._target.topic, listener)
        return driver_base.PollStyleListenerAdapter(listener, 1, None)


def get_host_servers(conf, topic, version, endpoints_by_host,
                     exposed_only=True):
    """Servers for many hosts of ``topic`` in one process (simulated
    compute hosts): ``{host: endpoints}`` in, a list of servers out. On
    RabbitMQ it is ONE server and broker connection for them all (the
    broker's socket limit is what kept a process from serving 1 000
    hosts); other drivers get a server per host. Unlike
    :func:`get_server`, the hosts do not consume the topic's shared
    queue: every cast to a compute host names it.
    """
    transport = get_transport(conf)
    policy = (dispatcher.ExplicitRPCAccessPolicy if exposed_only
              else dispatcher.DefaultRPCAccessPolicy)
    if type(transport._driver).__name__ != 'RabbitDriver':
        return [get_server(conf, topic, host, version, endpoints,
                           exposed_only) for host, endpoints
                in endpoints_by_host.items()]
    dispatchers = {host: dispatcher.RPCDispatcher(
        endpoints, RequestContextSerializer(), policy)
        for host, endpoints in endpoints_by_host.items()}
    return [_ManyHostServer(transport, topic, version, dispatchers)]


def message_of(exc):
    """``exc``'s message without the remote traceback that oslo.messaging
    appends to an exception it re-raises from another service (for log
    lines about expected outcomes: they must not look like crashes)."""
    return str(exc).split('\nTraceback (most recent call last):')[0].strip()


def target(version):
    """The RPC target a manager declares (its API version)."""
    return messaging.Target(version=version)


def expected_exceptions(*exceptions):
    """Mark manager exceptions as expected (no traceback logged server-side).
    Unlike oslo.messaging's own decorator, keeps the method's name,
    docstring and signature."""
    decorate = messaging.expected_exceptions(*exceptions)

    def outer(func):
        return functools.wraps(func)(decorate(func))
    return outer
