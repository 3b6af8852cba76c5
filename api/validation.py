"""JSON-schema validation of request bodies with Nova's error messages.

jsonschema is imported on the first validation, not with the API: only
write requests (POST/PUT bodies) are validated, and jsonschema with what
it imports (referencing, rpds, attrs, ...; about 60 modules) is some 3 MB
of every API process's resident memory. The first write request of a
process pays its import (a few tens of milliseconds) once. The format
checks are collected here (``format_check``) and handed to jsonschema's
FormatChecker when it is built.
"""

import re
import threading
import unicodedata

from novalite.api import faults

_NAME_REASON = ('printable characters. Can not start or end with '
                'whitespace.')
# format name -> (check, exceptions it raises), in registration order.
_FORMAT_CHECKS = {}
_FORMAT_CHECKER = None
_LOCK = threading.Lock()


class InvalidName(Exception):
    pass


def format_check(name, raises=()):
    """Decorator: ``check`` validates the schema format ``name`` (as
    jsonschema's ``FormatChecker.checks``)."""
    def register(check):
        with _LOCK:
            _FORMAT_CHECKS[name] = (check, raises)
            if _FORMAT_CHECKER is not None:
                _FORMAT_CHECKER.checks(name, raises=raises)(check)
        return check
    return register


def format_checker():
    """jsonschema's FormatChecker with its own formats and ours (built
    once, on first use)."""
    global _FORMAT_CHECKER
    if _FORMAT_CHECKER is None:
        with _LOCK:
            if _FORMAT_CHECKER is None:
                import jsonschema
                checker = jsonschema.FormatChecker()
                for name, (check, raises) in _FORMAT_CHECKS.items():
                    checker.checks(name, raises=raises)(check)
                _FORMAT_CHECKER = checker
    return _FORMAT_CHECKER


def _printable(text):
    return all(unicodedata.category(ch)[0] not in ('C', 'Z') or ch == ' '
               for ch in text)


@format_check('name', raises=InvalidName)
def _check_name(value):
    if not isinstance(value, str):
        return True
    if value != value.strip() or not _printable(value):
        raise InvalidName("An invalid 'name' value was provided. The name "
                          "must be: " + _NAME_REASON)
    return True


@format_check('uuid')
def _check_uuid(value):
    if not isinstance(value, str):
        return True
    return bool(re.match(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}'
                         r'-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$', value))


def _detail(ex):
    if ex.validator == 'format' and isinstance(ex.cause, InvalidName):
        return str(ex.cause)
    if ex.validator == 'additionalProperties' and not ex.path:
        return ex.message
    if len(ex.path) > 0:
        return ('Invalid input for field/attribute %s. Value: %s. %s'
                % (ex.path[-1], ex.instance, ex.message))
    return ex.message


def validate(schema, body):
    """Raise a 400 fault unless ``body`` matches ``schema``."""
    checker = format_checker()
    import jsonschema   # imported by format_checker(): a dict look-up
    validator = jsonschema.Draft4Validator(schema, format_checker=checker)
    try:
        validator.validate(body)
    except jsonschema.ValidationError as ex:
        raise faults.bad_request(_detail(ex))


@format_check('base64')
def _check_base64(value):
    import base64
    import binascii
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
