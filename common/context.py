"""The request context: who asks (user, project, roles) and the request id,
carried from the API over every RPC hop by the serializer in ``rpc``."""

from oslo_context import context as oslo_context
from oslo_serialization import jsonutils


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context; ``is_admin`` follows the admin role.

    Under Keystone it also carries the user's token (the compute agent
    fetches images with it) and the service catalog from auth_token."""

    def __init__(self, user_id=None, project_id=None, roles=None,
                 is_admin=None, service_catalog=None, **kwargs):
        roles = list(roles or [])
        if is_admin is None:
            is_admin = 'admin' in roles
        super().__init__(user_id=user_id, project_id=project_id, roles=roles,
                         is_admin=is_admin, **kwargs)
        if isinstance(service_catalog, str):
            service_catalog = jsonutils.loads(service_catalog)
        self.service_catalog = service_catalog or []

    def to_dict(self):
        values = super().to_dict()
        values['service_catalog'] = self.service_catalog
        return values

    @classmethod
    def from_dict(cls, values):
        return cls(user_id=values.get('user_id') or values.get('user'),
                   project_id=values.get('project_id') or values.get('project'),
                   roles=values.get('roles'),
                   is_admin=values.get('is_admin'),
                   request_id=values.get('request_id'),
                   global_request_id=values.get('global_request_id'),
                   read_only=values.get('read_only', False),
                   show_deleted=values.get('show_deleted', False),
                   auth_token=values.get('auth_token'),
                   user_domain_id=values.get('user_domain_id'),
                   project_domain_id=values.get('project_domain_id'),
                   service_catalog=values.get('service_catalog'))


def get_admin_context():
    return RequestContext(user_id=None, project_id=None, roles=['admin'],
                          is_admin=True, overwrite=False)
