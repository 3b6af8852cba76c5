"""Isolation matrix rows for a server's volume attachments (none: no block
storage here). The project's readers list them (empty); a volume named to
attach or detach is a 404 past the policy for its members and admins, a
403 for its reader; another project's server is a 404."""

from .test_isolation_matrix import A, SERVER, Route

VOLUME = '8a1c7a2e-0000-4000-8000-00000000c1d2'
ROUTES = [
    Route('GET', SERVER + '/os-volume_attachments', (200, 200, 200, 404, A)),
    Route('GET', SERVER + '/os-volume_attachments/' + VOLUME,
          (404, 404, 404, 404, A), note='no attachment: 404 past the policy'),
    Route('POST', SERVER + '/os-volume_attachments',
          (404, 404, 403, 404, A),
          body={'volumeAttachment': {'volumeId': VOLUME}},
          note='no such volume: 404 past the policy'),
    Route('DELETE', SERVER + '/os-volume_attachments/' + VOLUME,
          (404, 404, 403, 404, A),
          note='not attached: 404 past the policy'),
]
