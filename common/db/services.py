"""The ``services`` table: one row per (host, binary), kept fresh by the
heartbeat; a service whose last beat is older than service_down_time is down."""

import datetime
import uuid

from sqlalchemy import select

from novalite.common.db import models
from novalite.common.db import session


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


@session.retry
@session.retry_on_duplicate
def heartbeat(ctx, host, binary, topic=None):
    """Create the row if missing, bump report_count, set last_seen_up."""
    with session.writer(ctx) as s:
        row = s.execute(select(models.Service).filter_by(
            host=host, binary=binary)).scalar_one_or_none()
        if row is None:
            row = models.Service(uuid=str(uuid.uuid4()), host=host,
                                 binary=binary, topic=topic, report_count=0)
            s.add(row)
        row.report_count = (row.report_count or 0) + 1
        row.last_seen_up = _utcnow()
        s.flush()
        return row.as_dict()


def get_all(ctx, binary=None):
    with session.reader(ctx) as s:
        query = select(models.Service)
        if binary:
            query = query.filter_by(binary=binary)
        return [row.as_dict() for row in s.execute(query).scalars()]


def is_up(service, service_down_time):
    """True when ``service`` (a dict) beat within ``service_down_time`` s."""
    if service.get('forced_down'):
        return False
    last = service.get('last_seen_up') or service.get('updated_at')
    if last is None:
        return False
    if isinstance(last, str):
        last = datetime.datetime.fromisoformat(last)
    return (_utcnow() - last).total_seconds() <= service_down_time
