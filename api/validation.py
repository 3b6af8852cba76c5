"""JSON-schema validation of request bodies with Nova's error messages."""

import re
import unicodedata

import jsonschema

from novalite.api import faults

_NAME_REASON = ('printable characters. Can not start or end with '
                'whitespace.')
_FORMAT_CHECKER = jsonschema.FormatChecker()


class InvalidName(Exception):
    pass


def _printable(text):
    return all(unicodedata.category(ch)[0] not in ('C', 'Z') or ch == ' '
               for ch in text)


@_FORMAT_CHECKER.checks('name', raises=InvalidName)
def _check_name(value):
    if not isinstance(value, str):
        return True
    if value != value.strip() or not _printable(value):
        raise InvalidName("An invalid 'name' value was provided. The name "
                          "must be: " + _NAME_REASON)
    return True


@_FORMAT_CHECKER.checks('uuid')
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
    validator = jsonschema.Draft4Validator(schema,
                                           format_checker=_FORMAT_CHECKER)
    try:
        validator.validate(body)
    except jsonschema.ValidationError as ex:
        raise faults.bad_request(_detail(ex))


@_FORMAT_CHECKER.checks('base64')
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
