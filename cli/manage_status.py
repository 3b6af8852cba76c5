"""``novalite-manage status``: is this deployment able to serve? As
``nova-status upgrade check`` (without cells): the schema is current,
every enabled service is up, every compute host has reported its node,
RabbitMQ answers. Any failed check makes the exit code 1."""

import kombu
import oslo_messaging as messaging
from alembic import script as alembic_script
from sqlalchemy import select

from novalite.cli.manage import register
from novalite.cli.manage import Result
from novalite.common.db import migration
from novalite.common.db import models
from novalite.common.db import services as services_db
from novalite.common.db import session

SUCCESS, FAILURE, WARNING = 'Success', 'Failure', 'Warning'
COMPUTE = 'novalite-compute'
BROKER_TIMEOUT = 5


def check_schema(conf, ctx):
    head = alembic_script.ScriptDirectory(migration._SCRIPTS).get_current_head()
    current = migration.db_version(conf)
    if current == head:
        return SUCCESS, 'schema at %s (newest)' % head
    return FAILURE, ('schema at %s, code expects %s: run novalite-manage '
                     'db sync' % (current, head))


def check_services(conf, ctx):
    svcs = services_db.get_all(ctx)
    if not svcs:
        return FAILURE, 'no service has ever reported'
    down = sorted('%s on %s' % (s['binary'], s['host']) for s in svcs
                  if not s['disabled']
                  and not services_db.is_up(s, conf.service_down_time))
    disabled = sum(1 for s in svcs if s['disabled'])
    if down:
        return FAILURE, 'down (no heartbeat for %ss): %s' % (
            conf.service_down_time, ', '.join(down))
    return SUCCESS, '%d up%s' % (
        len(svcs) - disabled,
        ', %d disabled' % disabled if disabled else '')


def check_compute_hosts(conf, ctx):
    """Every enabled compute agent is up and has reported its node."""
    agents = [s for s in services_db.get_all(ctx, binary=COMPUTE)
              if not s['disabled']]
    if not agents:
        return FAILURE, 'no enabled compute host'
    with session.reader(ctx) as s:
        nodes = set(s.execute(select(models.ComputeNode.host)).scalars())
    bad = []
    for agent in sorted(agents, key=lambda a: a['host']):
        if agent['host'] not in nodes:
            bad.append('%s has not reported its resources' % agent['host'])
        elif not services_db.is_up(agent, conf.service_down_time):
            bad.append('%s has not reported for over %ss' % (
                agent['host'], conf.service_down_time))
    if bad:
        return FAILURE, '; '.join(bad)
    return SUCCESS, '%d compute host(s) reporting' % len(agents)


def broker_reachable(url, timeout=BROKER_TIMEOUT):
    """Open (and close) an AMQP connection to ``url`` (kombu syntax)."""
    with kombu.Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def check_rabbitmq(conf, ctx):
    """Some host of ``transport_url`` accepts an AMQP login."""
    url = messaging.TransportURL.parse(conf)
    vhost = url.virtual_host or ''
    errors = []
    for host in url.hosts:
        target = 'amqp://%s:%s@%s:%s/%s' % (
            host.username or 'guest', host.password or 'guest',
            host.hostname, host.port or 5672, vhost)
        try:
            broker_reachable(target)
            return SUCCESS, '%s:%s vhost "%s" reachable' % (
                host.hostname, host.port or 5672, vhost or '/')
        except Exception as exc:  # noqa: BLE001 -- any failure is the answer
            # Never the password: only host, port and the error.
            errors.append('%s:%s: %s' % (host.hostname, host.port or 5672,
                                         type(exc).__name__))
    return FAILURE, 'no RabbitMQ host reachable (%s)' % ', '.join(
        errors or ['no host in transport_url'])


CHECKS = (('Database schema', check_schema),
          ('Services up', check_services),
          ('Compute hosts reporting', check_compute_hosts),
          ('RabbitMQ reachable', check_rabbitmq))


def status(conf, ctx, args):
    """Check schema, services, compute hosts and RabbitMQ (exit 1 on a
    failure)."""
    rows = []
    for name, check in CHECKS:
        try:
            result, details = check(conf, ctx)
        except Exception as exc:  # noqa: BLE001 -- report, then go on
            result, details = FAILURE, '%s: %s' % (type(exc).__name__, exc)
        rows.append({'check': name, 'result': result, 'details': details})
    return Result(rows, ['check', 'result', 'details'],
                  failed=any(r['result'] == FAILURE for r in rows))


register('status', None, status)
