"""The Python transcription of Lucene's ``english`` analyzer against known Lucene outputs."""

from __future__ import annotations

import random

import pytest

from parametric_rag.retrieval import analyzer
from parametric_rag.retrieval.analyzer import STOP_WORDS, analyze, tokenize


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("The Running Dogs' owner's houses", ["run", "dog", "owner", "hous"]),
        ("This is a test of the system", ["test", "system"]),
        ("About 1,400 people paid $3.5 million", ["about", "1,400", "peopl", "paid", "3.5", "million"]),
        ("São Paulo", ["são", "paulo"]),
        ("state-of-the-art", ["state", "art"]),
        ("HELLO World", ["hello", "world"]),
        ("generalization ponies caresses relational happiness", ["gener", "poni", "caress", "relat", "happi"]),
        ("hopefully ran runs running", ["hopefulli", "ran", "run", "run"]),
        ("It's his", ["hi"]),  # "It's" -> "It" -> "it", a stop word
        ("can't don't", ["can't", "don't"]),
        ("U.S.A. e.g.", ["u.s.a", "e.g"]),
        ("", []),
        ("the a an of -- !!", []),
    ],
)
def test_known_lucene_outputs(text, terms):
    assert analyze(text) == terms


def test_stop_words_are_lucenes_33():
    assert len(STOP_WORDS) == 33
    assert analyze(" ".join(sorted(STOP_WORDS))) == []
    assert analyze("THE And Of") == []  # removed after lower-casing


@pytest.mark.parametrize(
    ("token", "term"),
    [("John's", "john"), ("JOHN'S", "john"), ("John’s", "john"), ("Johns'", "john"), ("O'Neil's", "o'neil")],
)
def test_possessives(token, term):
    assert analyze(token) == [term]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("1,400 3.5 1.2.3", ["1,400", "3.5", "1.2.3"]),  # separators between digits stay inside
        ("10:30 a:b", ["10", "30", "a:b"]),  # ':' joins letters only
        ("a.1 1.a abc123def v1.2", ["a", "1", "1", "a", "abc123def", "v1.2"]),
        ("foo_bar __x__", ["foo_bar", "__x__"]),  # underscore joins
        ("Hello-world (quoted) 'single' \"double\"", ["Hello", "world", "quoted", "single", "double"]),
        ("end. Start, again;", ["end", "Start", "again"]),
    ],
)
def test_standard_tokenizer_punctuation(text, tokens):
    assert tokenize(text) == tokens


def test_unicode_scripts():
    assert tokenize("東京大学") == ["東", "京", "大", "学"]  # one token per ideograph
    assert tokenize("ひらがな") == ["ひ", "ら", "が", "な"]  # one token per hiragana
    assert tokenize("カタカナ 한국어") == ["カタカナ", "한국어"]  # runs
    assert tokenize("ภาษาไทย") == ["ภาษาไทย"]  # South-East-Asian run kept whole
    assert analyze("Ahärôn Zürich Ελλάδα") == ["ahärôn", "zürich", "ελλάδα"]


def test_lower_case_is_per_code_point_like_java():
    assert analyze("ΟΔΟΣ") == ["οδοσ"]  # no final-sigma rule
    assert analyze("İstanbul") == ["istanbul"]  # U+0130 -> plain i


def test_long_tokens_are_chopped_at_255():
    assert tokenize("x" * 300) == ["x" * 255, "x" * 45]


def test_ascii_fast_path_matches_the_full_rules():
    rng = random.Random(0)
    alphabet = "aZq09_:.',;\" -#*\n"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        full: list[str] = []
        analyzer._scan(analyzer._TOKEN, text, full)
        assert tokenize(text) == full, text


def test_mixed_ascii_and_unicode_text():
    text = "Aaron ( or ; \"Ahärôn\") is a prophet, the brother of Moses’s sister."
    assert analyze(text) == ["aaron", "ahärôn", "prophet", "brother", "mose", "sister"]
