"""Find the server a request names, as Nova's ``common.get_instance`` then
``context.can``: another project's server is a 404 for a non-admin (it never
learns that the server exists), then the action's policy rule decides on
the server's own project (403 when it refuses)."""

from novalite.api import policy
from novalite.common.db import instances as instances_db
from novalite.common import exception


def target(inst):
    """The policy target of a server: its project and user."""
    return {'project_id': inst['project_id'], 'user_id': inst['user_id']}


def get_visible(ctx, server_id):
    """The server if ``ctx`` may see it; InstanceNotFound (404) if not."""
    inst = instances_db.get(ctx, server_id)
    if not ctx.is_admin and inst['project_id'] != ctx.project_id:
        raise exception.InstanceNotFound(instance_id=server_id)
    return inst


def get(conf, ctx, server_id, action):
    """The server, once ``action`` allows ``ctx`` on it.

    :raises: InstanceNotFound (404), PolicyNotAuthorized (403)
    """
    inst = get_visible(ctx, server_id)
    policy.authorize(conf, ctx, action, target(inst))
    return inst
