"""The request context: who asks (user, project, roles) and the request id,
carried from the API over every RPC hop by the serializer in ``rpc``."""

from oslo_context import context as oslo_context


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context; ``is_admin`` follows the admin role."""

    def __init__(self, user_id=None, project_id=None, roles=None,
                 is_admin=None, **kwargs):
        roles = list(roles or [])
        if is_admin is None:
            is_admin = 'admin' in roles
        super().__init__(user_id=user_id, project_id=project_id, roles=roles,
                         is_admin=is_admin, **kwargs)

    @classmethod
    def from_dict(cls, values):
        return cls(user_id=values.get('user_id') or values.get('user'),
                   project_id=values.get('project_id') or values.get('project'),
                   roles=values.get('roles'),
                   is_admin=values.get('is_admin'),
                   request_id=values.get('request_id'),
                   global_request_id=values.get('global_request_id'),
                   read_only=values.get('read_only', False),
                   show_deleted=values.get('show_deleted', False))


def get_admin_context():
    return RequestContext(user_id=None, project_id=None, roles=['admin'],
                          is_admin=True, overwrite=False)
