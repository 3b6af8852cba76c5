"""The compute API (pecan).

pecan is imported here, before any module of the package, without the
template engines novalite never renders with: every controller answers
JSON (``template='json'``, pecan's built-in renderer) and pecan's debug
middleware is off. On import pecan loads every engine it finds installed
-- jinja2 for its jinja renderer, and, through mako (which pecan needs),
pygments for syntax highlighting in mako's HTML error pages: about 60
modules and 5 to 6 MB of every API process's resident memory (issue 9,
bench/rss.py). Both are optional to pecan and mako (an ImportError means
"not installed"), so they are hidden for the length of that one import
and are importable as usual afterwards. It happens once per process, on
its first import of ``novalite.api`` -- at start-up, before any thread
that could import them at the same moment.
"""

import sys

# Optional engines pecan / mako import only to offer features novalite
# does not use (see above).
UNUSED_TEMPLATE_MODULES = ('jinja2', 'pygments')


def _import_pecan_without_unused_engines():
    if 'pecan' in sys.modules:
        return
    hidden = [name for name in UNUSED_TEMPLATE_MODULES
              if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None    # import raises ImportError
    try:
        import pecan  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


_import_pecan_without_unused_engines()
