"""A server group as Nova shows it per microversion: ``policies`` (a
one-item list) and an always-empty ``metadata`` before 2.64, ``policy``
and ``rules`` from 2.64; ``project_id``/``user_id`` from 2.13; ``members``
are the live servers."""


def show(group, version):
    body = {'id': group['uuid'], 'name': group['name']}
    if version >= '2.64':
        body['policy'] = group['policy']
        body['rules'] = dict(group.get('rules') or {})
    else:
        body['policies'] = [group['policy']]
        body['metadata'] = {}
    body['members'] = list(group.get('members') or [])
    if version >= '2.13':
        body['project_id'] = group['project_id']
        body['user_id'] = group['user_id']
    return body
