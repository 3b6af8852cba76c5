"""Isolation matrix rows for key pairs, quota sets, quota classes and
limits (joined to test_isolation_matrix.ROUTES there). Key pairs belong
to a user: each persona creates, shows and deletes its own, and another
user's is a 404."""

from .test_isolation_matrix import A, C, Route

PUB = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDOzM/yKEeR1rN46PImeaIR'
       'k7/B/3HtWspF0ziPrcQq6ccknPJNcOLLc5uiFGcR/Pa4+FqYKxn8AJDaT2G6'
       'TJkccnuK5mL5PDw46aFsixRtd9K8/cQMkTwgVQ0wuIOriSy6KGAJa9f+WkXH'
       'GaqrMI35iRJd6WpGr3bK7T9XrkzsNw== matrix')
QUOTA = C + '/os-quota-sets/{project}'

ROUTES = [
    # -- key pairs -----------------------------------------------------------
    Route('GET', C + '/os-keypairs', (200, 200, 200, 200, A),
          note='own (user) list'),
    Route('POST', C + '/os-keypairs', (200, 200, 200, 200, A),
          body={'keypair': {'name': 'matrix-{persona}', 'public_key': PUB}},
          note='own key pair each'),
    Route('GET', C + '/os-keypairs/matrix-{persona}', (200, 200, 200, 200, A)),
    Route('GET', C + '/os-keypairs/matrix-member', (404, 200, 404, 404, A),
          note="the member's: another user's key pair is a 404"),
    Route('GET', C + '/os-keypairs?user_id=matrix-nobody',
          (200, 403, 403, 403, A), version='2.10'),
    Route('DELETE', C + '/os-keypairs/matrix-{persona}',
          (202, 202, 202, 202, A)),
    # -- quota sets and classes ----------------------------------------------
    Route('GET', QUOTA, (200, 200, 200, 403, A),
          note="the member's project"),
    Route('GET', QUOTA + '/detail', (200, 200, 200, 403, A)),
    Route('GET', QUOTA + '/defaults', (200, 200, 200, 200, A)),
    Route('PUT', QUOTA, (200, 403, 403, 403, A),
          body={'quota_set': {'key_pairs': 100}}),
    Route('DELETE', QUOTA, (202, 403, 403, 403, A)),
    Route('GET', C + '/os-quota-class-sets/default', (200, 403, 403, 403, A)),
    Route('PUT', C + '/os-quota-class-sets/default', (200, 403, 403, 403, A),
          body={'quota_class_set': {'key_pairs': 100}}),
    # -- limits ---------------------------------------------------------------
    Route('GET', C + '/limits', (200, 200, 200, 200, A)),
    Route('GET', C + '/limits?reserved=1', (200, 200, 200, 200, A)),
    Route('GET', C + '/limits?tenant_id={project}', (200, 403, 403, 403, A)),
]
