"""The servers name filter answers as re.search does, in linear time."""

import random
import re
import time

import pytest

from novalite.api import name_filter

PATTERNS = [
    r'vm[12]', r'^multi', r'a|b', r'(a+)+$', r'^(ab|a)*c$', r'x{2,3}y',
    r'\bfoo\b', r'\Bb', r'\d+-\w*$', r'[^a-c]+z', r'(?i)VM', r'(?i)[a-c]X',
    r'a.*b', r'(?s)a.b', r'(?m)^b$', r'^$', r'colou?r', r'(a|b)*?abb',
    r'(?i:ab)c', r'\Aab\Z', r'[\s\S]', r'a{0}b', r'(a*)*b', r'[a-]x', r'.',
    r'$', r'^', r'x*', r'\W\D\S', r'[^\d]', r'(?a)\w+ \w', r'a{2,}',
    r'(?:ab){1,2}$',
]
ALPHABET = 'abcxyzAB1-_ \n\u00e9'


@pytest.mark.parametrize('pattern', PATTERNS)
def test_same_answers_as_re(pattern):
    rnd = random.Random(pattern)
    expected, compiled = re.compile(pattern), name_filter.compile_filter(
        pattern)
    for _ in range(300):
        text = ''.join(rnd.choice(ALPHABET)
                       for _ in range(rnd.randint(0, 9)))
        assert compiled.search(text) == bool(expected.search(text)), text


@pytest.mark.parametrize('pattern, text', [
    ('(a+)+$', 'a' * 255 + '!'),
    ('.*.*.*.*.*.*x', 'a' * 255),
    ('(a|aa)*b', 'a' * 255),
    ('(x+x+)+y', 'x' * 255),
])
def test_catastrophic_patterns_run_in_linear_time(pattern, text):
    started = time.monotonic()
    assert name_filter.compile_filter(pattern).search(text) is False
    assert time.monotonic() - started < 1


@pytest.mark.parametrize('pattern, literal', [
    ('web', 'web'), ('^multi-', 'multi-'), ('vm[12]x', 'vm'),
    ('a|b', None), ('(?i)web', None), ('ab.cde', 'cde'), ('a*', None)])
def test_required_literal(pattern, literal):
    assert name_filter.compile_filter(pattern).literal == literal


@pytest.mark.parametrize('pattern', [
    r'(a)\1', '(?=a)', '(?!a)', '(?<=a)b', '(?>a)', 'a*+', '(a)?(?(1)b|c)',
    '(a{100}){100}', 'x' * 256])
def test_backtracking_features_are_refused(pattern):
    with pytest.raises(name_filter.Unsupported):
        name_filter.compile_filter(pattern)


def test_not_a_regex_raises_re_error():
    with pytest.raises(re.error):
        name_filter.compile_filter('(')
