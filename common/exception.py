"""Exceptions shared by the services. ``code`` is the HTTP status the API
answers with when one reaches it; ``msg_fmt`` is the message, formatted
with the keyword arguments."""


class NovaliteException(Exception):
    msg_fmt = 'An unknown exception occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)


class Invalid(NovaliteException):
    msg_fmt = 'Bad request: %(reason)s'
    code = 400


class NotFound(NovaliteException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(NovaliteException):
    msg_fmt = 'Conflict: %(reason)s'
    code = 409


class Forbidden(NovaliteException):
    msg_fmt = 'Policy does not allow this action.'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with %(field)s %(value)s already exists.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class NetworkNotFound(NotFound):
    msg_fmt = 'Network %(network_id)s could not be found.'


class SecurityGroupNotFound(NotFound):
    msg_fmt = 'Security group %(name)s not found.'


class NoFixedIpsAvailable(NovaliteException):
    msg_fmt = 'No fixed IP addresses available for network %(network_id)s.'


class ComputeNodeNotFound(NotFound):
    msg_fmt = 'Compute node %(node)s could not be found.'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class NoValidHost(NovaliteException):
    msg_fmt = 'No valid host was found. %(reason)s'


class ResourceProviderConflict(NovaliteException):
    """A compute node's generation changed under a claim; retry."""
    msg_fmt = 'Compute node %(node)s changed concurrently.'
    code = 409


class UnexpectedTaskState(NovaliteException):
    msg_fmt = ('Unexpected task state: expecting %(expected)s but the actual '
               'state is %(actual)s.')
    code = 409


class BuildAbortException(NovaliteException):
    """The build failed in a way no other host can fix."""
    msg_fmt = 'Build of instance %(instance_uuid)s aborted: %(reason)s'


class RescheduledException(NovaliteException):
    """The build failed on this host; another host may succeed."""
    msg_fmt = 'Build of instance %(instance_uuid)s was re-scheduled: %(reason)s'


class HypervisorUnavailable(NovaliteException):
    msg_fmt = 'Connection to the hypervisor is broken on host %(host)s.'
