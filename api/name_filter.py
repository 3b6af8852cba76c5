"""The ``name`` filter of GET /servers: a regular expression, as Nova
matches it (its database's REGEXP), that a user must not be able to turn
into a denial of service.

Python's ``re`` backtracks: ``(a+)+$`` or ``.*.*.*.*x`` against a long name
runs for ages, and a match cannot be interrupted. So the pattern is parsed
by Python's own parser (the syntax and error messages users know) and run
as a Thompson NFA: time proportional to the name's length times the
pattern's size, whatever the pattern. What needs backtracking
(backreferences, lookaround, conditionals, atomic groups, possessive
repeats) is refused with a clear message instead."""

import re

try:
    from re import _parser as sre
except ImportError:   # Python 3.10
    import sre_parse as sre   # noqa: F401 -- deprecated alias, same API

MAX_LENGTH = 255        # the longest name there is to match
MAX_STATES = 1000       # counted repeats expand: bound the machine
_MATCH = 'match'
_UNSUPPORTED = {
    sre.GROUPREF: 'a backreference', sre.GROUPREF_EXISTS: 'a conditional',
    sre.ASSERT: 'a lookaround assertion',
    sre.ASSERT_NOT: 'a lookaround assertion',
}
for _name, _what in (('ATOMIC_GROUP', 'an atomic group'),
                     ('POSSESSIVE_REPEAT', 'a possessive repeat')):
    if hasattr(sre, _name):    # Python 3.11+
        _UNSUPPORTED[getattr(sre, _name)] = _what
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


class Unsupported(ValueError):
    """The pattern is valid but uses what this engine refuses."""


def compile_filter(text):
    """A NamePattern for ``text``.

    :raises: re.error (not a regular expression), Unsupported
    """
    if len(text) > MAX_LENGTH:
        raise Unsupported('it is longer than %d characters' % MAX_LENGTH)
    parsed = sre.parse(text)
    return NamePattern(parsed)


def _is_word(ch, ascii_only):
    if ascii_only:
        return ch.isascii() and (ch.isalnum() or ch == '_')
    return ch.isalnum() or ch == '_'


def _category(cat, ch, ascii_only):
    if ascii_only and not ch.isascii():
        return cat in (sre.CATEGORY_NOT_DIGIT, sre.CATEGORY_NOT_SPACE,
                       sre.CATEGORY_NOT_WORD)
    if cat == sre.CATEGORY_DIGIT:
        return ch.isdecimal()
    if cat == sre.CATEGORY_NOT_DIGIT:
        return not ch.isdecimal()
    if cat == sre.CATEGORY_SPACE:
        return ch.isspace()
    if cat == sre.CATEGORY_NOT_SPACE:
        return not ch.isspace()
    if cat == sre.CATEGORY_WORD:
        return _is_word(ch, ascii_only)
    if cat == sre.CATEGORY_NOT_WORD:
        return not _is_word(ch, ascii_only)
    raise Unsupported('it uses an unknown character category')


def _variants(ch, flags):
    if flags & re.IGNORECASE:
        return {ch, ch.lower(), ch.upper()}
    return {ch}


def _in_set(items, ch, flags):
    negate = bool(items) and items[0][0] == sre.NEGATE
    ascii_only = bool(flags & re.ASCII)
    found = False
    for variant in _variants(ch, flags):
        for op, av in items:
            if op == sre.LITERAL:
                found = ord(variant) == av
            elif op == sre.RANGE:
                found = av[0] <= ord(variant) <= av[1]
            elif op == sre.CATEGORY:
                found = _category(av, variant, ascii_only)
            if found:
                break
        if found:
            break
    return found != negate


def _predicate(op, av, flags):
    """A function of one character for a one-character atom."""
    if op == sre.LITERAL:
        want = _variants(chr(av), flags)
        return lambda ch: bool(_variants(ch, flags) & want)
    if op == sre.NOT_LITERAL:
        want = _variants(chr(av), flags)
        return lambda ch: not _variants(ch, flags) & want
    if op == sre.ANY:
        if flags & re.DOTALL:
            return lambda ch: True
        return lambda ch: ch != '\n'
    if op == sre.IN:
        for item, _ in av:
            if item not in (sre.LITERAL, sre.RANGE, sre.CATEGORY,
                            sre.NEGATE):
                raise Unsupported('it uses an unknown character set item')
        return lambda ch: _in_set(av, ch, flags)
    raise Unsupported('it uses %s' % _UNSUPPORTED.get(op, op))


class NamePattern:
    """A compiled name filter: ``search(name)`` as ``re.search`` answers it,
    in linear time; ``literal`` is a substring every match contains (or
    None), which the database can pre-filter on with LIKE."""

    def __init__(self, parsed):
        # states[i]: ('char', predicate, next) | ('split', a, b) |
        # ('assert', kind, next) | (_MATCH,)
        self.states = [(_MATCH,)]
        flags = parsed.state.flags
        self.start = self._sequence(list(parsed), 0, flags)
        self.literal = _required_literal(list(parsed), flags)

    # -- building, right to left: each part is given what follows it ----
    def _add(self, state):
        if len(self.states) >= MAX_STATES:
            raise Unsupported('it is too complex (more than %d states)'
                              % MAX_STATES)
        self.states.append(state)
        return len(self.states) - 1

    def _sequence(self, items, nxt, flags):
        for op, av in reversed(items):
            nxt = self._item(op, av, nxt, flags)
        return nxt

    def _item(self, op, av, nxt, flags):
        if op == sre.SUBPATTERN:
            _group, add, remove, sub = av
            return self._sequence(list(sub), nxt, (flags | add) & ~remove)
        if op == sre.BRANCH:
            starts = [self._sequence(list(alt), nxt, flags)
                      for alt in av[1]]
            start = starts[-1]
            for other in reversed(starts[:-1]):
                start = self._add(('split', other, start))
            return start
        if op in _REPEATS:
            return self._repeat(av, nxt, flags)
        if op == sre.AT:
            return self._add(('assert', (av, flags), nxt))
        return self._add(('char', _predicate(op, av, flags), nxt))

    def _repeat(self, av, nxt, flags):
        low, high, body = av
        body = list(body)
        if high == sre.MAXREPEAT:
            loop = self._add(None)   # placeholder: the body loops to it
            self.states[loop] = ('split',
                                 self._sequence(body, loop, flags), nxt)
            cur = loop
        else:
            cur = nxt
            for _ in range(high - low):
                cur = self._add(('split', self._sequence(body, cur, flags),
                                 nxt))
        for _ in range(low):
            cur = self._sequence(body, cur, flags)
        return cur

    # -- running --------------------------------------------------------
    def _holds(self, kind, text, i):
        at, flags = kind
        end = len(text)
        multiline = flags & re.MULTILINE
        if at in (sre.AT_BEGINNING, sre.AT_BEGINNING_LINE):
            return i == 0 or bool(multiline) and text[i - 1] == '\n'
        if at == sre.AT_BEGINNING_STRING:
            return i == 0
        if at in (sre.AT_END, sre.AT_END_LINE):
            return (i == end or (i == end - 1 and text[i] == '\n')
                    or bool(multiline) and text[i] == '\n')
        if at == sre.AT_END_STRING:
            return i == end
        if at in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY):
            ascii_only = bool(flags & re.ASCII)
            before = i > 0 and _is_word(text[i - 1], ascii_only)
            after = i < end and _is_word(text[i], ascii_only)
            return (before != after) == (at == sre.AT_BOUNDARY)
        raise Unsupported('it uses an unknown assertion')

    def _closure(self, starts, text, i):
        """The char and match states reachable from ``starts`` at
        position ``i`` without consuming a character."""
        seen, found, stack = set(), set(), list(starts)
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            state = self.states[index]
            if state[0] == 'split':
                stack.extend((state[1], state[2]))
            elif state[0] == 'assert':
                if self._holds(state[1], text, i):
                    stack.append(state[2])
            else:
                found.add(index)
        return found

    def search(self, text):
        text = text or ''
        current = self._closure([self.start], text, 0)
        for i, ch in enumerate(text):
            if 0 in current:
                return True
            moved = [self.states[s][2] for s in current
                     if self.states[s][1](ch)]
            moved.append(self.start)   # a match may also start here
            current = self._closure(moved, text, i + 1)
        return 0 in current


def _required_literal(items, flags):
    """The longest run of plain characters at the pattern's top level:
    every match contains it (not so under IGNORECASE)."""
    if flags & re.IGNORECASE:
        return None
    best, run = '', ''
    for op, av in items:
        if op == sre.LITERAL:
            run += chr(av)
        else:
            run = ''
        if len(run) > len(best):
            best = run
    return best or None
