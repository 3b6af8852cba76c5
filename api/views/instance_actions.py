"""Instance action and event bodies as Nova's os-instance-actions shows
them: ``updated_at`` from 2.58, event ``host`` (for who may see events)
and ``hostId`` from 2.62, ``details`` from 2.84."""

import hashlib

ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id',
               'project_id', 'start_time', 'message')
EVENT_KEYS = ('event', 'start_time', 'finish_time', 'result')


def time(value):
    """Nova's timestamp format here: 2018-04-25T01:26:29.000000."""
    return value.isoformat(timespec='microseconds') if value else None


def host_id(host, project_id):
    """Nova's utils.generate_hostid: '' without a host."""
    if not host:
        return ''
    return hashlib.sha224(((project_id or '') + host).encode(
        'utf-8')).hexdigest()


def action(raw, version):
    body = {key: raw.get(key) for key in ACTION_KEYS}
    body['start_time'] = time(raw['start_time'])
    if version >= '2.58':
        body['updated_at'] = time(raw['updated_at'])
    return body


def event(raw, project_id, traceback=False, host=False, hostid=False,
          details=False):
    body = {key: raw.get(key) for key in EVENT_KEYS}
    body['start_time'] = time(raw['start_time'])
    body['finish_time'] = time(raw['finish_time'])
    if traceback:
        body['traceback'] = raw.get('traceback')
    if host:
        # Nova's events always name a service host; ours may not (one the
        # API recorded): an empty string, as tempest's schema wants one.
        body['host'] = raw.get('host') or ''
    if hostid:
        body['hostId'] = host_id(raw.get('host'), project_id)
    if details:
        # Nova's event details: the failure's message, when it failed.
        body['details'] = _details(raw)
    return body


def _details(raw):
    if (raw.get('result') or '').lower() != 'error':
        return None
    text = (raw.get('traceback') or '').strip().splitlines()
    return text[-1][:255] if text else None
