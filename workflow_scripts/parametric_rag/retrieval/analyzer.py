"""Lucene's ``english`` analyzer (as used by Elasticsearch 8.15) in pure Python.

Chain, in Lucene's ``EnglishAnalyzer`` order: ``StandardTokenizer`` (Unicode UAX#29 word
boundaries) -> ``EnglishPossessiveFilter`` -> ``LowerCaseFilter`` -> ``StopFilter`` (Lucene's
33 English stop words) -> ``PorterStemFilter`` (NLTK's ``PorterStemmer`` in its
Martin-extensions mode, which follows the original algorithm that Lucene implements).

The tokenizer is a transcription of the word rules of Lucene's ``StandardTokenizerImpl.jflex``
into a pattern for the ``regex`` module (installed with nltk) over Unicode Word_Break
properties; pure-ASCII stretches take an equivalent, faster ``re`` pattern. Known approximations:

* The Unicode tables are those of the installed ``regex`` module, not Lucene's (Unicode 9
  word-break data, Emoji 11 data); characters whose properties changed since differ.
* jflex takes the longest match over all rules; the pattern tries the rules in order
  (emoji, word/number, South-East-Asian run, Han, Hiragana) and backtracks greedily, which
  gives the same tokens on ordinary text.
* Tokens longer than 255 characters are chopped at 255 code points (Lucene counts UTF-16
  units) and the rest is scanned again.

Lower-casing is per code point, like Java's ``Character.toLowerCase`` (no final-sigma rule,
U+0130 becomes a plain ``i``).
"""

from __future__ import annotations

import functools
import re

import nltk
import regex
from nltk.stem.porter import PorterStemmer

ANALYZER_VERSION = 1

STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)

MAX_TOKEN_LENGTH = 255

_X = r"[\p{WB=Format}\p{WB=Extend}\p{WB=ZWJ}]*"  # WB4: X (Extend | Format | ZWJ)* -> X
_X_SANS_SEL = r"[[\p{WB=Format}\p{WB=Extend}\p{WB=ZWJ}]--[\uFE0E\uFE0F]]*"
_AH = rf"[\p{{WB=ALetter}}\p{{WB=Hebrew_Letter}}]{_X}"
_HL = rf"\p{{WB=Hebrew_Letter}}{_X}"
_NU = rf"[\p{{WB=Numeric}}\uFF10-\uFF19]{_X}"
_KA = rf"\p{{WB=Katakana}}{_X}"
_EN = rf"\p{{WB=ExtendNumLet}}{_X}"
_MID_LETTER = rf"[\p{{WB=MidLetter}}\p{{WB=MidNumLet}}\p{{WB=Single_Quote}}]{_X}"
_MID_NUM = rf"[\p{{WB=MidNum}}\p{{WB=MidNumLet}}\p{{WB=Single_Quote}}]{_X}"
_SQ = rf"\p{{WB=Single_Quote}}{_X}"
_DQ = rf"\p{{WB=Double_Quote}}{_X}"

_UNIT = (
    rf"(?:{_KA}(?:(?:{_EN})*{_KA})*"
    rf"|(?:{_HL}(?:{_SQ}|{_DQ}{_HL})"
    rf"|{_NU}(?:(?:(?:{_EN})*|{_MID_NUM}){_NU})*"
    rf"|{_AH}(?:(?:(?:{_EN})*|{_MID_LETTER}){_AH})*)+)"
)
_WORD = rf"(?:{_EN})*{_UNIT}(?:(?:{_EN})+{_UNIT})*(?:{_EN})*"

_X_EMOJI = r"[[\p{WB=Format}\p{WB=Extend}]--[\uFE0E\uFE0F]]*"  # ZWJ handled by the sequences
_EMOJI_CHAR = (
    r"[\p{Extended_Pictographic}"
    r"[\p{Emoji}--[\p{WB=Regional_Indicator}0-9#*\p{Emoji_Modifier}]]]" + _X_EMOJI
)
_EMOJI_MOD_SEQ = rf"(?:\p{{WB=ZWJ}}*\p{{Emoji_Modifier_Base}}{_X_EMOJI})?\p{{Emoji_Modifier}}{_X_EMOJI}"
_EMOJI_ONE = rf"(?:\p{{WB=ZWJ}}*{_EMOJI_CHAR}\uFE0F?|{_EMOJI_MOD_SEQ})"
_EMOJI = (
    rf"{_EMOJI_ONE}(?:[\U000E0020-\U000E007E]+\U000E007F|(?:\p{{WB=ZWJ}}{_EMOJI_ONE})*){_X_SANS_SEL}"
    rf"|[0-9#*]{_X_SANS_SEL}\uFE0F?\u20E3{_X_SANS_SEL}"
    rf"|\p{{WB=Regional_Indicator}}{_X}\p{{WB=Regional_Indicator}}{_X}"
)

_TOKEN = regex.compile(
    rf"(?V1){_EMOJI}|{_WORD}|(?:\p{{Line_Break=Complex_Context}}{_X})+"
    rf"|\p{{Script=Han}}{_X}|\p{{Script=Hiragana}}{_X}"
)

# The same rules restricted to ASCII text (letters, digits, "_", and : . ' , ; between them).
_ASCII_UNIT = r"(?:[0-9](?:_*[0-9]|[,;.'][0-9])*|[A-Za-z](?:_*[A-Za-z]|[:.'][A-Za-z])*)+"
_ASCII_TOKEN = re.compile(rf"_*{_ASCII_UNIT}(?:_+{_ASCII_UNIT})*_*")
_NON_ASCII_CHUNK = re.compile(r"[^ \t\n\r\f\v]*[^\x00-\x7f][^ \t\n\r\f\v]*")

_POSSESSIVE_APOSTROPHES = ("'", "\u2019", "\uff07")

_stemmer = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)

DESCRIPTION = {
    "name": "lucene-english (Python transcription)",
    "version": ANALYZER_VERSION,
    "chain": [
        "StandardTokenizer(UAX#29, max_token_length=255)",
        "EnglishPossessiveFilter",
        "LowerCaseFilter",
        "StopFilter(lucene english, 33 words)",
        "PorterStemFilter(nltk PorterStemmer MARTIN_EXTENSIONS)",
    ],
    "nltk": nltk.__version__,
    "regex": regex.__version__,
}


def _scan(pattern: re.Pattern | regex.Pattern, text: str, out: list[str]) -> None:
    """Append ``pattern``'s tokens in ``text`` to ``out``, chopping over-long ones."""
    pos = 0
    while True:
        for m in pattern.finditer(text, pos):
            start, stop = m.span()
            if stop - start > MAX_TOKEN_LENGTH:
                out.append(text[start : start + MAX_TOKEN_LENGTH])
                pos = start + MAX_TOKEN_LENGTH  # scan the rest again, as Lucene does
                break
            out.append(m.group())
        else:
            return


def tokenize(text: str) -> list[str]:
    """Split ``text`` into StandardTokenizer tokens (case and punctuation inside words kept)."""
    tokens: list[str] = []
    if text.isascii():
        _scan(_ASCII_TOKEN, text, tokens)
        return tokens
    # Tokens never span ASCII white space: scan pure-ASCII stretches with the fast pattern.
    pos = 0
    for chunk in _NON_ASCII_CHUNK.finditer(text):
        _scan(_ASCII_TOKEN, text[pos : chunk.start()], tokens)
        _scan(_TOKEN, chunk.group(), tokens)
        pos = chunk.end()
    _scan(_ASCII_TOKEN, text[pos:], tokens)
    return tokens


def _strip_possessive(token: str) -> str:
    if len(token) >= 2 and token[-1] in "sS" and token[-2] in _POSSESSIVE_APOSTROPHES:
        return token[:-2]
    return token


def _lower(token: str) -> str:
    if token.isascii():
        return token.lower()
    return "".join(c.lower()[0] for c in token)  # per code point, like Character.toLowerCase


def stem(word: str) -> str:
    """Porter stem of a lower-cased word (Lucene's ``PorterStemFilter``)."""
    return _stemmer.stem(word, to_lowercase=False)


@functools.lru_cache(maxsize=1 << 20)
def term(token: str) -> str | None:
    """The indexed term for one tokenizer token, or None for a stop word (cached: hot path)."""
    word = _lower(_strip_possessive(token))
    if not word or word in STOP_WORDS:
        return None
    return stem(word)


def analyze(text: str) -> list[str]:
    """The terms Lucene's ``english`` analyzer produces for ``text``, in order."""
    return [t for t in map(term, tokenize(text)) if t is not None]
