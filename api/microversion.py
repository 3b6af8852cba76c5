"""Compute API microversions: which one a request asked for, and the
headers that echo it. Supported range: 2.1 to MAX_VERSION (see
doc/microversions.md for what each step changes and why the maximum is
where it is)."""

import functools
import re

MIN_VERSION = '2.1'
MAX_VERSION = '2.100'
NEW_HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
VARY = '%s, %s' % (NEW_HEADER, LEGACY_HEADER)
_FORMAT = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class VersionError(Exception):
    """The requested version is malformed or outside the supported range."""


@functools.total_ordering
class APIVersion:

    def __init__(self, text):
        match = _FORMAT.match(text or '')
        if not match:
            raise VersionError(
                'API Version String %s is of invalid format. Must be of '
                'format MajorNum.MinorNum.' % text)
        self.major, self.minor = int(match.group(1)), int(match.group(2))

    def _key(self):
        return (self.major, self.minor)

    def __eq__(self, other):
        return self._key() == _coerce(other)._key()

    def __lt__(self, other):
        return self._key() < _coerce(other)._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return '%d.%d' % self._key()

    __repr__ = __str__


def _coerce(value):
    return value if isinstance(value, APIVersion) else APIVersion(value)


MIN = APIVersion(MIN_VERSION)
MAX = APIVersion(MAX_VERSION)


def _requested(headers):
    # The new header may name several services: "compute 2.3, volume 3.1".
    value = headers.get(NEW_HEADER)
    if value:
        for item in value.split(','):
            parts = item.strip().split()
            if len(parts) == 2 and parts[0].lower() == 'compute':
                return parts[1]
    return headers.get(LEGACY_HEADER)


def from_headers(headers):
    """The APIVersion a request asks for (2.1 when it names none).

    :raises: VersionError with Nova's message when unsupported.
    """
    text = _requested(headers)
    if text is None:
        return MIN
    text = text.strip()
    if text.lower() == 'latest':
        return MAX
    version = APIVersion(text)
    if not MIN <= version <= MAX:
        raise VersionError(
            'Version %s is not supported by the API. Minimum is %s and '
            'maximum is %s.' % (text, MIN_VERSION, MAX_VERSION))
    return version


def response_headers(version):
    return [(NEW_HEADER, 'compute %s' % version),
            (LEGACY_HEADER, str(version)),
            ('Vary', VARY)]
