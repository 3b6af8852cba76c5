"""``limit`` / ``marker`` / ``changes-since`` / ``changes-before`` query
parameters shared by the admin-side collections (instance actions,
hypervisors, usage), after Nova's common.get_limit_and_marker."""

import re

from novalite.api import faults
from novalite.api.schemas import server_queries


def limit_and_marker(params, max_limit):
    """(limit, marker): ``limit`` capped at ``max_limit`` (its default);
    400 for what is not a non-negative integer."""
    limit = params.get('limit')
    if limit is None:
        limit = max_limit
    else:
        if not re.fullmatch('[0-9]+', limit):
            raise faults.bad_request('limit param must be an integer')
        digits = limit.lstrip('0') or '0'
        limit = max_limit if len(digits) > 18 else min(int(digits),
                                                       max_limit)
    return limit, params.get('marker')


def parse_time(key, value):
    """A naive UTC datetime from an ISO 8601 query value (400 if not)."""
    return server_queries._time(key, value)


def changes_window(params, with_before=True):
    """(changes-since, changes-before) as datetimes or None; 400 when
    since is later than before (Nova's message)."""
    since = params.get('changes-since')
    since = parse_time('changes-since', since) if since else None
    before = params.get('changes-before') if with_before else None
    before = parse_time('changes-before', before) if before else None
    if since and before and since > before:
        raise faults.bad_request('The value of changes-since must be less '
                                 'than or equal to changes-before.')
    return since, before


def page_after(items, marker, key, not_found):
    """The items after the one whose ``key`` is ``marker`` (all without a
    marker); ``not_found`` (a Fault) when no item has it."""
    if marker is None:
        return items
    for index, item in enumerate(items):
        if item[key] == marker:
            return items[index + 1:]
    raise not_found
