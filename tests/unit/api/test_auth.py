"""noauth2 identities, as clients present them."""

import pytest

from novalite.api import auth


@pytest.mark.parametrize('headers,user,project,admin', [
    ({'X-Auth-Token': 'alice:p1'}, 'alice', 'p1', False),
    ({'X-Auth-Token': 'admin:p2'}, 'admin', 'p2', True),
    ({'X-Auth-Token': 'bob'}, 'bob', 'bob', False),
    # No token, and keystoneauth's auth_type=none placeholder token.
    ({}, 'admin', 'admin', True),
    ({'X-Auth-Token': 'notused'}, 'admin', 'admin', True),
])
def test_identity_from_token(headers, user, project, admin):
    ctx = auth.context_from_headers(headers)
    assert (ctx.user_id, ctx.project_id, ctx.is_admin) == (user, project,
                                                           admin)
