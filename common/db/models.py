"""SQLAlchemy 2 models. Schema changes go through alembic migrations in
``migrations/versions``; these classes must match the latest revision."""

import datetime

from sqlalchemy import (BigInteger, Boolean, DateTime, Float, ForeignKey,
                        Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import JSON


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):

    def as_dict(self):
        # Attribute keys, not column names: Instance maps the `metadata`
        # column to `metadata_` (`metadata` is SQLAlchemy's own).
        return {attr.key: getattr(self, attr.key)
                for attr in sa_inspect(self).mapper.column_attrs}


class TimestampMixin:
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, onupdate=_now)


class Service(TimestampMixin, Base):
    __tablename__ = 'services'
    __table_args__ = (UniqueConstraint('host', 'binary'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class ComputeNode(TimestampMixin, Base):
    """A hypervisor. Usage is not stored: it is the sum of its allocations.
    ``generation`` changes with every claim so concurrent claims conflict."""
    __tablename__ = 'compute_nodes'
    __table_args__ = (UniqueConstraint('host', 'hypervisor_hostname'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    hypervisor_hostname: Mapped[str] = mapped_column(String(255))
    hypervisor_type: Mapped[str] = mapped_column(String(64), default='QEMU')
    hypervisor_version: Mapped[int] = mapped_column(Integer, default=0)
    vcpus: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    local_gb: Mapped[int] = mapped_column(Integer, default=0)
    reserved_host_memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    reserved_host_disk_mb: Mapped[int] = mapped_column(Integer, default=0)
    cpu_allocation_ratio: Mapped[float] = mapped_column(Float, default=16.0)
    ram_allocation_ratio: Mapped[float] = mapped_column(Float, default=1.5)
    disk_allocation_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class Allocation(Base):
    """Resources an instance (the consumer) holds on one compute node."""
    __tablename__ = 'allocations'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    compute_node_id: Mapped[int] = mapped_column(
        ForeignKey('compute_nodes.id'), index=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)


class Flavor(TimestampMixin, Base):
    __tablename__ = 'flavors'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavorid: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    memory_mb: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer, default=0)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)


class FlavorExtraSpec(Base):
    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (UniqueConstraint('flavor_id', 'key'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavor_id: Mapped[int] = mapped_column(
        ForeignKey('flavors.id', ondelete='CASCADE'))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(String(255))


class FlavorProject(Base):
    __tablename__ = 'flavor_projects'
    __table_args__ = (UniqueConstraint('flavor_id', 'project_id'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavor_id: Mapped[int] = mapped_column(
        ForeignKey('flavors.id', ondelete='CASCADE'))
    project_id: Mapped[str] = mapped_column(String(255))


class Instance(TimestampMixin, Base):
    """A server. Soft-deleted: ``deleted`` is 0 while it lives and its id
    afterwards, so a deleted server answers 404 but its history stays."""
    __tablename__ = 'instances'
    __table_args__ = (Index('instances_project_deleted_idx',
                            'project_id', 'deleted'),
                      Index('instances_host_deleted_idx', 'host', 'deleted'))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    display_description: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    image_ref: Mapped[str | None] = mapped_column(String(255))
    flavor: Mapped[dict] = mapped_column(JSON)   # snapshot at boot
    host: Mapped[str | None] = mapped_column(String(255))
    node: Mapped[str | None] = mapped_column(String(255))
    vm_state: Mapped[str | None] = mapped_column(String(255))
    task_state: Mapped[str | None] = mapped_column(String(255))
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)   # the public key
    reservation_id: Mapped[str | None] = mapped_column(String(255))
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    hostname: Mapped[str | None] = mapped_column(String(255))
    config_drive: Mapped[str] = mapped_column(String(255), default='')
    access_ip_v4: Mapped[str | None] = mapped_column(String(39))
    access_ip_v6: Mapped[str | None] = mapped_column(String(39))
    disk_config: Mapped[str] = mapped_column(String(16), default='MANUAL')
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16))
    locked_reason: Mapped[str | None] = mapped_column(String(255))   # 2.73
    # Trusted image certificate ids (2.63); None when none were given.
    trusted_certs: Mapped[list | None] = mapped_column(JSON)
    user_data: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict] = mapped_column('metadata', JSON, default=dict)
    security_groups: Mapped[list] = mapped_column(JSON, default=list)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted: Mapped[int] = mapped_column(Integer, default=0)


class InstanceTag(Base):
    """A server tag (2.26); a table, not a JSON column, so that the list
    filters (tags, tags-any, not-tags, not-tags-any) are SQL."""
    __tablename__ = 'instance_tags'
    __table_args__ = (Index('instance_tags_tag_idx', 'tag'),)
    instance_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class InstanceFault(Base):
    __tablename__ = 'instance_faults'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)


class InstanceAction(Base):
    __tablename__ = 'instance_actions'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class InstanceActionEvent(Base):
    __tablename__ = 'instance_actions_events'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey('instance_actions.id', ondelete='CASCADE'), index=True)
    event: Mapped[str] = mapped_column(String(255))
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class RequestSpec(Base):
    """What the scheduler needs to place (or re-place) an instance."""
    __tablename__ = 'request_specs'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    spec: Mapped[dict] = mapped_column(JSON)


class Image(TimestampMixin, Base):
    """A Glance v2-style image record; bits live in the image store."""
    __tablename__ = 'images'
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(30), default='queued')
    visibility: Mapped[str] = mapped_column(String(20), default='shared')
    disk_format: Mapped[str | None] = mapped_column(String(20))
    container_format: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int | None] = mapped_column(BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(32))
    os_hash_algo: Mapped[str | None] = mapped_column(String(64))
    os_hash_value: Mapped[str | None] = mapped_column(String(128))
    min_disk: Mapped[int] = mapped_column(Integer, default=0)
    min_ram: Mapped[int] = mapped_column(Integer, default=0)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    properties: Mapped[dict] = mapped_column(JSON, default=dict)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Network(TimestampMixin, Base):
    __tablename__ = 'networks'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    cidr: Mapped[str] = mapped_column(String(43))
    project_id: Mapped[str | None] = mapped_column(String(255))
    # Neutron's attributes (migration 0005); project_id NULL is shared too.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(255), default='')


class Port(Base):
    """A fixed IP of an instance on a network; unique per network. A port
    made through the network API may have no instance (``instance_uuid``
    NULL) and ``project_id`` of its own; one a server made takes its
    server's project."""
    __tablename__ = 'ports'
    __table_args__ = (UniqueConstraint('network_id', 'address'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey('networks.id'), index=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    address: Mapped[str | None] = mapped_column(String(39))
    mac_address: Mapped[str] = mapped_column(String(17))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)
    project_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default='')
    device_owner: Mapped[str | None] = mapped_column(String(255))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)


class Subnet(TimestampMixin, Base):
    """An address range of a network (Neutron's subnet)."""
    __tablename__ = 'subnets'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey('networks.id', ondelete='CASCADE'), index=True)
    project_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default='')
    description: Mapped[str] = mapped_column(String(255), default='')
    cidr: Mapped[str] = mapped_column(String(43))
    ip_version: Mapped[int] = mapped_column(Integer, default=4)
    gateway_ip: Mapped[str | None] = mapped_column(String(39))
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    dns_nameservers: Mapped[list] = mapped_column(JSON, default=list)
    allocation_pools: Mapped[list] = mapped_column(JSON, default=list)


class SecurityGroup(Base):
    __tablename__ = 'security_groups'
    __table_args__ = (UniqueConstraint('name', 'project_id'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))


class SecurityGroupRule(Base):
    """One rule of a security group (Neutron's fields)."""
    __tablename__ = 'security_group_rules'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    security_group_id: Mapped[int] = mapped_column(
        ForeignKey('security_groups.id', ondelete='CASCADE'), index=True)
    project_id: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None] = mapped_column(Integer)
    port_range_max: Mapped[int | None] = mapped_column(Integer)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(255))
    remote_group_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(255), default='')
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_now)


class PortSecurityGroup(Base):
    """Which security groups a port is in."""
    __tablename__ = 'port_security_groups'
    port_id: Mapped[int] = mapped_column(
        ForeignKey('ports.id', ondelete='CASCADE'), primary_key=True)
    security_group_id: Mapped[int] = mapped_column(
        ForeignKey('security_groups.id', ondelete='CASCADE'),
        primary_key=True, index=True)


class KeyPair(TimestampMixin, Base):
    """A user's public key (``ssh`` or ``x509``), unique per user and name."""
    __tablename__ = 'key_pairs'
    __table_args__ = (UniqueConstraint('user_id', 'name',
                                       name='uniq_key_pairs0user_id0name'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str | None] = mapped_column(String(255))
    public_key: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default='ssh')


class Quota(TimestampMixin, Base):
    """A project's limit for one resource (overrides the default class)."""
    __tablename__ = 'quotas'
    __table_args__ = (UniqueConstraint(
        'project_id', 'resource', name='uniq_quotas0project_id0resource'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class ProjectUserQuota(TimestampMixin, Base):
    """A user's limit for one resource within a project."""
    __tablename__ = 'project_user_quotas'
    __table_args__ = (UniqueConstraint(
        'project_id', 'user_id', 'resource',
        name='uniq_project_user_quotas0project_id0user_id0resource'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaClass(TimestampMixin, Base):
    """A quota class's limit for one resource (``default``: everybody's)."""
    __tablename__ = 'quota_classes'
    __table_args__ = (UniqueConstraint(
        'class_name', 'resource',
        name='uniq_quota_classes0class_name0resource'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_name: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaGuard(Base):
    """One row per project, bumped first in a quota recheck transaction:
    rechecks of one project run one at a time (a row lock on MySQL and
    PostgreSQL, the write lock on SQLite)."""
    __tablename__ = 'quota_guards'
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class Aggregate(TimestampMixin, Base):
    """A host aggregate; its ``availability_zone`` metadata makes its hosts
    an availability zone. Deleted rows are removed (names are unique)."""
    __tablename__ = 'aggregates'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)


class AggregateHost(Base):
    __tablename__ = 'aggregate_hosts'
    __table_args__ = (UniqueConstraint(
        'host', 'aggregate_id', name='uniq_aggregate_hosts0host0aggregate_id'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aggregate_id: Mapped[int] = mapped_column(
        ForeignKey('aggregates.id', ondelete='CASCADE'), index=True)
    host: Mapped[str] = mapped_column(String(255))


class AggregateMetadata(Base):
    __tablename__ = 'aggregate_metadata'
    __table_args__ = (UniqueConstraint(
        'aggregate_id', 'key', name='uniq_aggregate_metadata0aggregate_id0key'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aggregate_id: Mapped[int] = mapped_column(
        ForeignKey('aggregates.id', ondelete='CASCADE'), index=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))


class ServerGroup(TimestampMixin, Base):
    """A server group (Nova's instance_groups): one ``policy`` and its
    ``rules``. ``generation`` is bumped first by every transaction that
    adds members or claims a host for one, so those run one at a time per
    group. Deleted rows are removed (with their members)."""
    __tablename__ = 'server_groups'
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    policy: Mapped[str] = mapped_column(String(32))
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class ServerGroupMember(Base):
    """An instance in a group (at most one group per instance)."""
    __tablename__ = 'server_group_members'
    __table_args__ = (UniqueConstraint(
        'instance_uuid', name='uniq_server_group_members0instance_uuid'),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey('server_groups.id', ondelete='CASCADE'), index=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(255))
