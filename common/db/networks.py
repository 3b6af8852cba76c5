"""Networks, their ports (fixed IPs of instances) and security groups.

A port is one address of an instance on a network. Addresses are handed out
lowest-free-first; the unique (network_id, address) constraint is what
guards concurrent allocations, so callers retry the transaction on
``DBDuplicateEntry``.
"""

import ipaddress
import itertools
import random
import time
import uuid

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

DEFAULT_NETWORK = ('private', '10.0.0.0/24')


class PortInUse(exception.Conflict):
    msg_fmt = 'Port %(port_id)s is still in use.'
DEFAULT_SECURITY_GROUP = 'default'


def _visible(query, model, ctx):
    # Shared rows (project_id NULL) are everyone's; admins see all.
    if ctx.is_admin:
        return query
    shared = [model.shared.is_(True)] if model is models.Network else []
    return query.where(or_(model.project_id.is_(None),
                           model.project_id == ctx.project_id, *shared))


@session.retry
def create_network(ctx, name, cidr, project_id=None):
    ipaddress.ip_network(cidr)  # ValueError on nonsense, before writing
    with session.writer(ctx) as s:
        row = models.Network(uuid=str(uuid.uuid4()), name=name, cidr=cidr,
                             project_id=project_id)
        s.add(row)
        s.flush()
        return row.as_dict()


def get_network(ctx, network_uuid):
    with session.reader(ctx) as s:
        query = _visible(select(models.Network).filter_by(uuid=network_uuid),
                         models.Network, ctx)
        row = s.execute(query).scalar_one_or_none()
        if row is None:
            raise exception.NetworkNotFound(network_id=network_uuid)
        return row.as_dict()


def get_networks(ctx, uuids=None):
    with session.reader(ctx) as s:
        query = _visible(select(models.Network), models.Network, ctx)
        if uuids is not None:
            query = query.where(models.Network.uuid.in_(list(uuids)))
        return [r.as_dict() for r in
                s.execute(query.order_by(models.Network.id)).scalars()]


def get_security_groups(ctx, names=None):
    """Security groups visible to ``ctx`` (optionally only those whose
    name or uuid is in ``names``)."""
    with session.reader(ctx) as s:
        query = _visible(select(models.SecurityGroup), models.SecurityGroup,
                         ctx)
        if names is not None:
            query = query.where(or_(
                models.SecurityGroup.name.in_(list(names)),
                models.SecurityGroup.uuid.in_(list(names))))
        return [r.as_dict() for r in s.execute(query).scalars()]


@session.retry
def ensure_default(ctx, cidr=None):
    """The shared ``private`` network (``cidr``, 10.0.0.0/24 by default)
    and ``default`` security group; created when missing. Returns the
    network dict."""
    name, default_cidr = DEFAULT_NETWORK
    cidr = cidr or default_cidr
    ipaddress.ip_network(cidr)   # ValueError on nonsense, before writing
    with session.writer(ctx) as s:
        net = s.execute(select(models.Network).filter_by(
            name=name, project_id=None)).scalars().first()
        if net is None:
            net = models.Network(uuid=str(uuid.uuid4()), name=name,
                                 cidr=cidr, project_id=None)
            s.add(net)
            s.flush()
            subnet = ipaddress.ip_network(cidr)
            first = subnet.network_address + 1
            s.add(models.Subnet(
                uuid=str(uuid.uuid4()), network_id=net.id, project_id=None,
                name=name + '-subnet', description='', cidr=cidr,
                ip_version=4, gateway_ip=str(first), enable_dhcp=True,
                dns_nameservers=[], allocation_pools=[{
                    'start': str(first + 1),
                    'end': str(subnet.broadcast_address - 1)}]))
        sg = s.execute(select(models.SecurityGroup).filter_by(
            name=DEFAULT_SECURITY_GROUP, project_id=None)).scalars().first()
        if sg is None:
            s.add(models.SecurityGroup(
                uuid=str(uuid.uuid4()), name=DEFAULT_SECURITY_GROUP,
                description='Default security group', project_id=None))
        s.flush()
        return net.as_dict()


def get_default_network(ctx):
    """The network used when a server asks for none in particular."""
    with session.reader(ctx) as s:
        row = s.execute(select(models.Network).filter_by(
            name=DEFAULT_NETWORK[0], project_id=None)).scalars().first()
        if row is None:
            raise exception.NetworkNotFound(network_id=DEFAULT_NETWORK[0])
        return row.as_dict()


def _mac():
    return 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randint(0, 255)
                                             for _ in range(3))


def _free_addresses(cidr, used):
    """Host addresses in ``cidr`` not in ``used``, lowest first; skips the
    network, broadcast and first host (the gateway)."""
    net = ipaddress.ip_network(cidr)
    hosts = net.hosts()
    next(hosts, None)  # gateway
    for addr in hosts:
        text = str(addr)
        if text not in used:
            yield text


# A transaction that lost an address to a concurrent one picks its next
# try at random among this many more of the lowest free addresses:
# lowest-first again would collide with the other losers every time (ten
# concurrent boots exhausted the retries on MariaDB), while the first try
# stays lowest-first, as users and tests expect. Neutron's IPAM spreads
# its picks over a window of free addresses for the same reason.
RETRY_WINDOW = 16
ALLOCATION_ATTEMPTS = 20


def retry_pause(attempt):
    """A short random pause before the next try of an allocation that
    lost an address race, so the losers do not come back in lockstep."""
    time.sleep(random.uniform(0, 0.005 * min(attempt, 10)))


def _pick(free, count, spread):
    """``count`` addresses from the iterator ``free``: the lowest, or
    with ``spread`` a random choice among the lowest count + spread."""
    if not spread:
        return list(itertools.islice(free, count))
    window = list(itertools.islice(free, count + spread))
    return random.sample(window, min(count, len(window)))


def allocate_ports_many(s, instance_uuids, network_uuids, spread=0):
    """Allocate one port per (instance, network) inside the open session
    ``s``: one query per network for the used addresses, whatever N is.
    An entry ``{'port': uuid}`` instead binds that existing (network API)
    port to the one instance. Returns {instance_uuid: [port dict, ...]}.
    ``spread``: pick among that many more free addresses at random (a
    retry after losing an address race, ``RETRY_WINDOW``).

    :raises: PortInUse, NetworkNotFound, NoFixedIpsAvailable
    """
    result = {u: [] for u in instance_uuids}
    if not network_uuids or not instance_uuids:
        return result
    ports = [n['port'] for n in network_uuids if isinstance(n, dict)]
    network_uuids = [n for n in network_uuids if not isinstance(n, dict)]
    for port_uuid in ports:
        _bind_port(s, instance_uuids, port_uuid, result)
    if not network_uuids:
        return result
    nets = {n.uuid: n for n in s.execute(select(models.Network).where(
        models.Network.uuid.in_(list(network_uuids)))).scalars()}
    for net_uuid in network_uuids:
        if net_uuid not in nets:
            raise exception.NetworkNotFound(network_id=net_uuid)
    for net_uuid in network_uuids:
        net = nets[net_uuid]
        if not net.cidr:    # no IPv4 subnet (yet)
            raise exception.NoFixedIpsAvailable(network_id=net_uuid)
        used = set(s.execute(select(models.Port.address).filter_by(
            network_id=net.id)).scalars())
        picked = iter(_pick(_free_addresses(net.cidr, used),
                            len(instance_uuids), spread))
        for inst_uuid in instance_uuids:
            address = next(picked, None)
            if address is None:
                raise exception.NoFixedIpsAvailable(network_id=net_uuid)
            port = models.Port(uuid=str(uuid.uuid4()), network_id=net.id,
                               instance_uuid=inst_uuid, address=address,
                               mac_address=_mac())
            s.add(port)
            result[inst_uuid].append(_port_dict(port, net))
    s.flush()
    return result


def _bind_port(s, instance_uuids, port_uuid, result):
    (inst_uuid,) = instance_uuids   # the API allows one server per port
    bound = s.execute(update(models.Port).where(
        models.Port.uuid == port_uuid,
        models.Port.instance_uuid.is_(None)).values(
        instance_uuid=inst_uuid, device_owner='compute:nova'))
    if bound.rowcount != 1:
        raise PortInUse(port_id=port_uuid)
    port, net = s.execute(select(models.Port, models.Network).join(
        models.Network, models.Port.network_id == models.Network.id).where(
        models.Port.uuid == port_uuid)).one()
    result[inst_uuid].append(_port_dict(port, net))


def allocate_ports(session_or_ctx, instance_uuid, network_uuids):
    """Ports for one instance; pass an open SQLAlchemy session to join its
    transaction, or a context to run in a transaction of its own."""
    if isinstance(session_or_ctx, Session):
        return allocate_ports_many(session_or_ctx, [instance_uuid],
                                   network_uuids)[instance_uuid]
    return _allocate_in_own_transaction(session_or_ctx, instance_uuid,
                                        network_uuids)


@session.retry
def _allocate_in_own_transaction(ctx, instance_uuid, network_uuids):
    for attempt in range(ALLOCATION_ATTEMPTS):
        try:
            with session.writer(ctx) as s:
                return allocate_ports_many(
                    s, [instance_uuid], network_uuids,
                    spread=RETRY_WINDOW if attempt else 0)[instance_uuid]
        except session.DBDuplicateEntry:
            if attempt == ALLOCATION_ATTEMPTS - 1:
                raise
            retry_pause(attempt)


def _port_dict(port, net):
    return {'id': port.uuid, 'network_id': net.uuid,
            'network_name': net.name, 'address': port.address,
            'mac_address': port.mac_address}


def get_ports_by_instances(ctx, instance_uuids):
    """{instance_uuid: [port dict, ...]} for all given instances, one query."""
    result = {u: [] for u in instance_uuids}
    if not result:
        return result
    with session.reader(ctx) as s:
        rows = s.execute(
            select(models.Port, models.Network)
            .join(models.Network, models.Port.network_id == models.Network.id)
            .where(models.Port.instance_uuid.in_(list(result)))
            .order_by(models.Port.id)).all()
        for port, net in rows:
            result[port.instance_uuid].append(_port_dict(port, net))
    return result


def get_instance_ports(ctx, instance_uuid):
    return get_ports_by_instances(ctx, [instance_uuid])[instance_uuid]


def delete_ports_in_session(s, instance_uuids):
    """Delete the ports the instances' boots made; a port made through
    the network API (it has a project of its own) outlives its server,
    unbound, as Nova leaves a port it did not create."""
    s.execute(update(models.Port).where(
        models.Port.instance_uuid.in_(list(instance_uuids)),
        models.Port.project_id.is_not(None)).values(
        instance_uuid=None, device_owner=''))
    s.execute(delete(models.Port).where(
        models.Port.instance_uuid.in_(list(instance_uuids))))


@session.retry
def delete_instance_ports(ctx, instance_uuid):
    with session.writer(ctx) as s:
        delete_ports_in_session(s, [instance_uuid])
