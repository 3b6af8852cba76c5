"""Rally's NovaServers scenarios, step for step and with Rally's atomic
action names, over the runner's HTTP client. Each scenario is a function
``(ctx, args)``; ``ctx`` is one :class:`Iteration` (client, timers, the
servers it made). Only the waiting differs from Rally: polling every
``--poll`` seconds instead of Rally's seconds."""

import contextlib
import random
import time
import uuid


class Iteration:
    """One iteration: its client, atomic-action timers and created servers
    (``servers``: a set shared by the workload, for the final cleanup)."""

    def __init__(self, number, client, resources, servers):
        self.number = number
        self.client = client
        self.resources = resources
        self.servers = servers
        self.atomic_actions = []

    @contextlib.contextmanager
    def atomic(self, name):
        action = {'name': name, 'children': [], 'started_at': time.time()}
        self.atomic_actions.append(action)
        try:
            yield
        except BaseException:
            action['failed'] = True
            raise
        finally:
            action['finished_at'] = time.time()

    def name(self):
        return 's_novalite_%s' % uuid.uuid4().hex[:8]

    def sleep_between(self, args):
        low, high = args.get('min_sleep', 0), args.get('max_sleep', 0)
        if high:
            time.sleep(random.uniform(low, high))


def _boot_extra(args, skip=()):
    """Scenario kwargs passed on to the create request (Rally passes them
    to novaclient); Rally's own knobs are not."""
    own = {'image', 'flavor', 'from_image', 'to_image', 'detailed', 'count',
           'min_sleep', 'max_sleep', 'force_delete', 'auto_assign_nic'}
    extra = {k: v for k, v in args.items() if k not in own and k not in skip}
    if 'nics' in extra:
        extra['networks'] = [{'uuid': n['net-id']} for n in extra.pop('nics')]
    return extra


def _boot(ctx, args, image_key='image'):
    with ctx.atomic('nova.boot_server'):
        server_id = ctx.client.create_server(
            ctx.name(), ctx.resources[image_key], ctx.resources['flavor'],
            **_boot_extra(args))
        ctx.servers.add(server_id)
        ctx.client.wait_status(server_id, 'ACTIVE')
    return server_id


def _delete(ctx, server_id, force=False):
    with ctx.atomic('nova.%sdelete_server' % ('force_' if force else '')):
        if force:
            ctx.client.action(server_id, 'forceDelete')
        else:
            ctx.client.delete_server(server_id)
        ctx.client.wait_gone(server_id)
    ctx.servers.discard(server_id)


def _action(ctx, server_id, atomic, action, status):
    with ctx.atomic(atomic):
        ctx.client.action(server_id, action)
        ctx.client.wait_status(server_id, status)


def boot_server(ctx, args):
    _boot(ctx, args)


def boot_and_delete_server(ctx, args):
    server_id = _boot(ctx, args)
    ctx.sleep_between(args)
    _delete(ctx, server_id, args.get('force_delete', False))


def boot_and_list_server(ctx, args):
    server_id = _boot(ctx, args)
    with ctx.atomic('nova.list_servers'):
        listed = ctx.client.list_servers(args.get('detailed', True))
    if server_id not in {s['id'] for s in listed}:
        raise AssertionError('Server not included into list of available '
                             'servers: %s' % server_id)


def boot_and_rebuild_server(ctx, args):
    server_id = _boot(ctx, args, image_key='from_image')
    with ctx.atomic('nova.rebuild_server'):
        ctx.client.action(server_id, 'rebuild',
                          {'imageRef': ctx.resources['to_image']})
        ctx.client.wait_status(server_id, 'ACTIVE')
    _delete(ctx, server_id)


def pause_and_unpause_server(ctx, args):
    server_id = _boot(ctx, args)
    _action(ctx, server_id, 'nova.pause_server', 'pause', 'PAUSED')
    _action(ctx, server_id, 'nova.unpause_server', 'unpause', 'ACTIVE')
    _delete(ctx, server_id, args.get('force_delete', False))


def suspend_and_resume_server(ctx, args):
    server_id = _boot(ctx, args)
    _action(ctx, server_id, 'nova.suspend_server', 'suspend', 'SUSPENDED')
    _action(ctx, server_id, 'nova.resume_server', 'resume', 'ACTIVE')
    _delete(ctx, server_id, args.get('force_delete', False))


def boot_and_delete_multiple_servers(ctx, args):
    """One create request for ``count`` servers (min_count = max_count),
    found again by name as Rally does, then one delete per server."""
    count = int(args.get('count', 2))
    prefix = ctx.name()
    with ctx.atomic('nova.boot_servers'):
        ctx.client.create_server(prefix, ctx.resources['image'],
                                 ctx.resources['flavor'], count=count,
                                 **_boot_extra(args))
        ids = [s['id'] for s in ctx.client.list_servers(False)
               if s['name'].startswith(prefix)]
        ctx.servers.update(ids)
        if len(ids) != count:
            raise AssertionError('asked for %d servers named %s*, found %d'
                                 % (count, prefix, len(ids)))
        for server_id in ids:
            ctx.client.wait_status(server_id, 'ACTIVE')
    ctx.sleep_between(args)
    force = args.get('force_delete', False)
    with ctx.atomic('nova.%sdelete_servers' % ('force_' if force else '')):
        for server_id in ids:
            if force:
                ctx.client.action(server_id, 'forceDelete')
            else:
                ctx.client.delete_server(server_id)
        for server_id in ids:
            ctx.client.wait_gone(server_id)
    ctx.servers.difference_update(ids)


SCENARIOS = {
    'NovaServers.' + f.__name__: f for f in (
        boot_server, boot_and_delete_server, boot_and_list_server,
        boot_and_rebuild_server, pause_and_unpause_server,
        suspend_and_resume_server, boot_and_delete_multiple_servers)}

# Which scenario arguments name images (resolved to ids once per workload).
IMAGE_ARGS = ('image', 'from_image', 'to_image')


def resolve(cloud, args):
    """Image and flavor names to ids, once, before the load starts."""
    resources = {key: cloud.image_id(args[key])
                 for key in IMAGE_ARGS if key in args}
    resources['flavor'] = cloud.flavor_id(args['flavor'])
    return resources
