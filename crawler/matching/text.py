"""Text normalisation, sentence splitting and money amounts for the matcher.

The matcher runs one Aho-Corasick pass over a *normalised* copy of the text in which every
character that is not a letter or a digit has become a space, padded with one space on each side;
patterns are normalised the same way and wrapped in spaces, so every hit the automaton reports
already sits on word boundaries ("Meta" never fires inside "metaverse", "AI" never inside "said")
and possessives, curly apostrophes and Unicode hyphens need no special case ("Meta’s" ->
" meta s "). The normalisation keeps the length of the text, so an offset in the normalised copy
is an offset in the original (shifted by the one padding space), which is how evidence spans point
back into the article.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.matching.types import Amount

# Every ASCII byte that is not a letter or digit becomes a space; bytes >= 0x80 (the pieces of UTF-8
# multi-byte characters) stay as they are. A bytes.translate over this table runs at memory speed.
_ASCII_TABLE = bytes(
    c if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256)
)
# The same, lower-casing ASCII letters on the way.
_ASCII_LOWER_TABLE = bytes((c + 32 if 65 <= c <= 90 else b) for c, b in enumerate(_ASCII_TABLE))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# One-character punctuation outside ASCII that news text is full of; replacing these first lets most
# articles stay on the fast ASCII path.
_COMMON_UNICODE = (
    "\u2019",  # right single quote (the usual apostrophe)
    "\u2018",
    "\u201c",
    "\u201d",
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2010",  # hyphen
    "\u2011",  # non-breaking hyphen
    "\u00a0",  # no-break space
    "\u2026",  # ellipsis
    "\u00b4",
    "\u2032",
)


def fold_case(text: str) -> str:
    """Lower-case ``text`` without changing its length (a few characters grow when lowered)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def normalize_cased(text: str) -> str:
    """Replace every non-alphanumeric character by a space, keeping case and length."""
    return _normalize(text, _ASCII_TABLE)


def normalize(text: str) -> str:
    """The matcher's view of ``text``: lower-cased, punctuation as spaces, same length."""
    out = _normalize(text, _ASCII_LOWER_TABLE)
    # The table already lowered ASCII letters; only other scripts still need it.
    return out if out.isascii() else fold_case(out)


def _normalize(text: str, table: bytes) -> str:
    if not text.isascii():
        for ch in _COMMON_UNICODE:
            if ch in text:
                text = text.replace(ch, " ")
        if not text.isascii():
            # Map the ASCII characters through UTF-8 (multi-byte sequences never contain ASCII
            # bytes, so the character count is unchanged), then blank the few non-ASCII
            # characters that are not letters or digits.
            mapped = text.encode("utf-8", "surrogatepass").translate(table)
            return _NON_ASCII.sub(_blank_non_alnum, mapped.decode("utf-8", "surrogatepass"))
    return text.encode("ascii").translate(table).decode("ascii")


def _blank_non_alnum(m: re.Match[str]) -> str:
    run = m.group()
    if run.isalnum():
        return run
    return "".join(ch if ch.isalnum() else " " for ch in run)


def pattern_key(phrase: str) -> str:
    """Normalise an alias or cue into the automaton key that matches it on word boundaries."""
    words = normalize(phrase).split()
    return " " + " ".join(words) + " " if words else ""


def cased_key(phrase: str) -> str:
    """The case-preserving form of ``pattern_key`` that a case-sensitive hit must equal."""
    return " ".join(normalize_cased(phrase).split())


# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) before whitespace and
# a capital, digit or opening quote; blank lines and single newlines (paragraphs in extracted text)
# end one too.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[A-Z0-9\"“‘(\[])|\n\s*")
# The same boundaries, found faster: a pattern that starts with one character class lets the regex
# engine skip ahead to candidate characters.
_BREAK = re.compile(r"[.!?\n](?:(?<=\n)\s*|[\"'”’)\]]*\s+(?=[A-Z0-9\"“‘(\[]))")


@dataclass(frozen=True, slots=True)
class Sentences:
    """Sentence boundaries of one text: ``starts[i]`` .. ``ends[i]`` is sentence ``i``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def index_of(self, offset: int) -> int:
        """The index of the sentence that contains character ``offset``."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def span(self, index: int) -> tuple[int, int]:
        return self.starts[index], self.ends[index]

    def sentence(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]

    def __len__(self) -> int:
        return len(self.starts)


def split_sentences(text: str) -> Sentences:
    """Split ``text`` into sentences (offsets into ``text``, whitespace trimmed)."""
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _BREAK.finditer(text):
        # The sentence keeps its final punctuation and closing quotes, not the whitespace.
        end = m.start() + len(m.group().rstrip())
        if end > pos:
            starts.append(pos)
            ends.append(end)
        pos = m.end()
    if pos < len(text):
        starts.append(pos)
        ends.append(len(text.rstrip()))
    if not starts:
        starts, ends = [0], [len(text)]
    return Sentences(text, tuple(starts), tuple(ends))


class SentenceLocator:
    """The sentence around an offset, found by looking near it instead of splitting the whole text.

    Gives the same spans as :func:`split_sentences` (the same boundary pattern, read locally) and
    exact indexes for the first ``lead`` sentences; later sentences get index ``lead``. Scoring
    only tells the lead from the rest, and most of a long article is never looked at.
    """

    __slots__ = ("_lead", "_lead_starts", "_spans", "text")

    def __init__(self, text: str, lead: int) -> None:
        self.text = text
        self._lead = lead
        self._lead_starts: list[int] | None = None
        self._spans: list[tuple[int, int]] = []

    def span_at(self, offset: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``offset`` (which must be inside a word)."""
        # Spans found so far, sorted by start: one bisect instead of a scan (hits can be many).
        i = bisect_right(self._spans, (offset, 1 << 62)) - 1
        if i >= 0 and self._spans[i][0] <= offset < self._spans[i][1]:
            return self._spans[i]
        text = self.text
        window = 400
        while True:
            low = max(0, offset - window)
            start = -1
            for m in _BREAK.finditer(text, low, offset + 1):
                if m.end() <= offset:
                    start = m.end()
            if start >= 0 or low == 0:
                break
            window *= 4
        start = max(start, 0)
        nxt = _BREAK.search(text, offset)
        end = nxt.start() + len(nxt.group().rstrip()) if nxt else len(text.rstrip())
        span = (start, max(end, offset + 1))
        insort(self._spans, span)
        return span

    def start_of(self, index: int) -> int:
        """Where sentence ``index`` (< ``lead``) starts; the text's length when there is none."""
        starts = self._starts()
        return starts[index] if index < len(starts) else len(self.text)

    def index_of_start(self, start: int) -> int:
        """Index of the sentence starting at ``start``: exact below ``lead``, else ``lead``."""
        starts = self._starts()
        if len(starts) > self._lead and start >= starts[self._lead]:
            return self._lead
        return max(0, bisect_right(starts, start) - 1)

    def _starts(self) -> list[int]:
        if self._lead_starts is None:
            starts: list[int] = []
            pos = 0
            for m in _BREAK.finditer(self.text):
                end = m.start() + len(m.group().rstrip())
                if end > pos:
                    starts.append(pos)
                    if len(starts) > self._lead:
                        break
                pos = m.end()
            else:
                if pos < len(self.text):
                    starts.append(pos)
            self._lead_starts = starts
        return self._lead_starts


def same_sentence(text: str, start: int, end: int) -> bool:
    """Whether no sentence boundary lies between offsets ``start`` and ``end`` of ``text``."""
    return _SENTENCE_END.search(text, start, end) is None


def token_starts(norm: str) -> list[int]:
    """Start offsets of the words of a normalised text (for proximity queries)."""
    return [m.start() for m in re.finditer(r"\S+", norm)]


def token_index(starts: Sequence[int], offset: int) -> int:
    """The index of the word at or before ``offset``."""
    return max(0, bisect_right(starts, offset) - 1)


# ---------------------------------------------------------------------------------------- amounts

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CODES = {"usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "cny": "CNY", "inr": "INR"}
_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "rupees": "INR",
}
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(?P<scale>thousand|million|billion|trillion|mln|bln|mn|bn|tn|[kKmMbBtT])\b)"
_AMOUNT = re.compile(
    r"(?:(?P<sym>US\$|[$€£¥₹])|\b(?P<code>USD|EUR|GBP|JPY|CNY|INR)\s?)"
    + _NUMBER
    + _SCALE
    + r"?"
    + r"|\b"
    + _NUMBER.replace("num", "num2")
    + r"(?:\s?(?P<scale2>thousand|million|billion|trillion|mln|bln|mn|bn|tn)\b)"
    + r"(?:\s(?P<word>dollars?|euros?|pounds?|yen|yuan|rupees)\b"
    + r"|\s?(?P<code2>USD|EUR|GBP|JPY|CNY|INR)\b)?",
    re.IGNORECASE,
)


def find_amounts(text: str) -> list[tuple[Amount, tuple[int, int]]]:
    """Money amounts in ``text`` with their spans: ``$14.3 billion`` -> 14.3e9 USD.

    A bare number with a financial scale word ("1.5 bn") is an amount in an unknown currency, which
    ISO 4217 spells ``XXX``; plain numbers ("1 GW", "100 times") are never amounts.
    """
    found: list[tuple[Amount, tuple[int, int]]] = []
    for m in _AMOUNT.finditer(text):
        if m.group("num") is not None:
            sym, code = m.group("sym"), m.group("code")
            currency = _SYMBOLS[sym.lower()] if sym else _CODES[code.lower()]
            number, scale = m.group("num"), m.group("scale")
        else:
            word, code2 = m.group("word"), m.group("code2")
            if word:
                currency = _WORDS[word.lower()]
            elif code2:
                currency = _CODES[code2.lower()]
            else:
                currency = "XXX"
            number, scale = m.group("num2"), m.group("scale2")
        value = float(number.replace(",", ""))
        if scale:
            value *= _SCALES[scale.lower()]
        raw = m.group().rstrip()
        found.append(
            (Amount(value=value, currency=currency, text=raw), (m.start(), m.start() + len(raw)))
        )
    return found
