"""Open-world parties: the named companies and people of a sentence, listed in a watchlist or not.

News names the parties of an event as proper nouns: runs of capitalised words ("Coveo", "Two Hat",
"Intel Capital"), camel-cased and dotted names ("xAI", "iRobot", "Cleverly.ai", "AI.Reverie").
:func:`find_parties` reads them from the cased text of one sentence, drops the words that open a
sentence or only describe ("The", "On Monday", "AI", "CEO"), splits a run at a title ("OpenAI CEO
Sam Altman" is an organisation and a person) and at a possessive ("Microsoft's M12"). Titles are
often written in Title Case, where every word looks like a name: there only the names that the body
also writes as names, or that are name-shaped on their own, are taken.

:func:`person_like` guesses whether a party is a person (two to four plain capitalised words and no
company word), and :func:`ai_name` whether a name itself says AI ("Nod.ai", "Scale AI").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.matching.party_words import (
    COMPANY_WORDS,
    DESCRIPTORS,
    INVESTOR_WORDS,
    LOWER_FUNCTION_WORDS,
    NON_COMPANY,
    OPENERS,
    PLACES,
    REGION_WORDS,
    TITLE_WORDS,
)

_TOKEN = r"(?:[A-Z0-9][\w]*(?:[.&'’\-][A-Za-z0-9]+)*|[a-z]+[A-Z][\w]*(?:[.\-][A-Za-z0-9]+)*)"
_RUN = re.compile(rf"{_TOKEN}(?:[ \t]+{_TOKEN})*")
_DOT_AI = re.compile(r"\b[\w-]+\.ai\b", re.IGNORECASE)

_POSSESSIVE = ("'s", "’s", "s'", "s’")
# Hyphenated descriptors: "AI-powered", "Boston-based", "GM-backed".
_DESCRIPTOR_WORD = re.compile(
    r"^(?:(?:AI|A\.I\.|ML|NLP|GenAI|LLM)-\w+|[\w.]+-(?:based|backed|owned|funded|led|focused|powered|"
    r"native|enabled|driven|first|era|style|like|related))$"
)


@dataclass(frozen=True, slots=True)
class Party:
    """A named party of a sentence (offsets into the field's text)."""

    name: str
    start: int
    end: int
    possessive: bool = False  # written "Microsoft's" (the owner of what follows)
    person: bool = False
    entity: int | None = None  # the watchlist entity this is, when it is one


_NAME_PREFIXES = ("Mc", "Ma", "De", "Di", "Le", "La")


def person_like(name: str) -> bool:
    """Whether ``name`` looks like a person: 2-4 capitalised words and no company word."""
    words = name.replace("Dr. ", "").split()
    if not 2 <= len(words) <= 4 or is_place(name):
        return False
    for w in words:
        if (
            w in COMPANY_WORDS
            or not w[:1].isupper()
            or not w.replace("-", "").replace(".", "").isalpha()
        ):
            return False
        # Each part of a double-barrelled name is a name ("Samara-Rubio"); "McKinsey" too.
        for part in w.split("-"):
            if any(c.isupper() for c in part[1:]) and part[:2] not in _NAME_PREFIXES:
                return False
            if not part[:1].isupper():
                return False
    return True


def is_place(name: str) -> bool:
    """ "India", "North America", "Silicon Valley"."""
    words = name.split()
    return all(w in PLACES or w in REGION_WORDS for w in words) and any(
        w in PLACES or w in ("America", "Valley", "Area") for w in words
    )


def is_company(name: str) -> bool:
    """Whether a party can be bought or invested in (not a place, a foundation, a ministry)."""
    return not (is_place(name) or any(w in NON_COMPANY for w in name.split()))


def investor_like(name: str) -> bool:
    """Whether a name reads as an investment firm ("MMC Ventures", "Index Partners")."""
    return any(w in INVESTOR_WORDS for w in name.split())


def ai_name(name: str) -> bool:
    """Whether the name itself says AI ("Nod.ai", "Scale AI", "AI.Reverie", "xAI")."""
    if _DOT_AI.search(name):
        return True
    words = re.split(r"[\s.\-]+", name)
    return any(w in ("AI", "A.I", "ML", "Neural", "Intelligence") for w in words) or name.endswith(
        "AI"
    )


def _clean(words: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    """Split a run of capitalised words into name pieces, dropping openers and descriptors."""
    pieces: list[list[tuple[str, int, int]]] = [[]]
    for word in words:
        w = word[0]
        if (
            w in TITLE_WORDS
            or w in OPENERS
            or ((w in DESCRIPTORS or w.rstrip("'’s") in PLACES) and not pieces[-1])
            or _DESCRIPTOR_WORD.match(w.rstrip(".,"))
        ):
            if w.endswith("-based"):
                pieces[-1] = []  # "San Jose-based": the words before are the place's too
            if pieces[-1]:
                pieces.append([])
            continue
        pieces[-1].append(word)
        if w.endswith(_POSSESSIVE):
            pieces.append([])
    out = []
    for piece in pieces:
        # Trailing descriptors that are not part of a name ("Cohere CEO" is handled above;
        # "Meta Generative" is not a name, "Scale AI" is).
        while piece and piece[-1][0] in DESCRIPTORS and piece[-1][0] not in ("AI",):
            piece.pop()
        if piece and not all(p[0] in DESCRIPTORS for p in piece):
            out.append(piece)
    return out


def find_parties(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    title_case: bool = False,
    known: Iterable[str] = (),
) -> list[Party]:
    """The named parties in ``text[start:end]``, in order.

    With ``title_case`` (a headline in Title Case) only names in ``known`` and name-shaped words
    (camel case, digits, ``.ai``) are taken.
    """
    stop = len(text) if end is None else end
    if title_case:
        return _title_parties(text, start, stop, known)
    found: list[Party] = []
    for m in _RUN.finditer(text, start, stop):
        words = [
            (w.group(), m.start() + w.start(), m.start() + w.end())
            for w in re.finditer(r"\S+", m.group())
        ]
        for piece in _clean(words):
            first, last = piece[0], piece[-1]
            name = text[first[1] : last[2]]
            possessive = name.endswith(_POSSESSIVE)
            if possessive:
                name = name[:-2]
            name = name.rstrip(".,'’")
            if (
                len(name) < 2
                or name in DESCRIPTORS
                or (name[0].isdigit() and not any(c.isalpha() for c in name))
            ):
                continue
            if name.isdigit() or re.fullmatch(r"\d+[\d,.]*[A-Za-z]{0,2}", name):
                continue  # "2023", "14.3B"
            if is_place(name) or _common_word(text, name, first[1], start):
                continue
            found.append(Party(name, first[1], first[1] + len(name), possessive, person_like(name)))
    found += _lower_names(text, start, stop)
    found.sort(key=lambda p: p.start)
    return found


# Lower-case names the news writes after a company noun: "AI device startup io".
# (Not after "the company", which refers back: "the company bought io" names nothing new.)
_LOWER_NAME = re.compile(
    r"(?<!\bthe )(?<!\bits )(?<!\bthis )(?<!\ba )\b(?:startup|start-up|company|firm|maker|lab|"
    r"developer|provider|platform|app|brand)\s+([a-z][a-z0-9.-]{1,12})\b(?![\w'’-])"
)


def _lower_names(text: str, start: int, stop: int) -> list[Party]:
    out = []
    for m in _LOWER_NAME.finditer(text, start, stop):
        name = m.group(1).rstrip(".-")
        verb_like = name.endswith(("ed", "ing")) or (name.endswith("s") and len(name) > 4)
        if name not in LOWER_FUNCTION_WORDS and len(name) >= 2 and not verb_like:
            out.append(Party(name, m.start(1), m.start(1) + len(name)))
    return out


def _common_word(text: str, name: str, at: int, sentence_start: int) -> bool:
    """A capitalised word that opens a sentence and appears in lower case elsewhere ("Terms")."""
    if text[sentence_start:at].strip(" \t\n\"“‘'(—-"):
        return False
    if (
        name.isupper()
        and len(name) > 3
        and text[at + len(name) : at + len(name) + 3].lstrip()[:1] in "—-(,"
    ):
        return True  # a dateline: "NEW YORK —"
    if " " in name:
        return False
    low = name.lower()
    return low != name and (f" {low} " in text or f" {low}," in text or f" {low}." in text)


def _title_parties(text: str, start: int, stop: int, known: Iterable[str]) -> list[Party]:
    found: list[Party] = []
    taken: list[tuple[int, int]] = []
    # Longest first, so a name inside a longer one is not taken first; ties in name order, so the
    # result does not depend on set iteration (string hashes change between runs).
    for name in sorted(set(known), key=lambda n: (-len(n), n)):
        if len(name) < 2:
            continue
        for m in re.finditer(rf"(?<![\w.]){re.escape(name)}(?![\w])", text[start:stop]):
            a, b = start + m.start(), start + m.end()
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            possessive = text[b : b + 2] in _POSSESSIVE
            found.append(Party(name, a, b, possessive, person_like(name)))
    for m in _RUN.finditer(text, start, stop):
        for w in re.finditer(r"\S+", m.group()):
            word = w.group().rstrip(".,:;'’")
            a = m.start() + w.start()
            if word.endswith(("'s", "’s")):
                word = word[:-2]
            shaped = (
                _DOT_AI.fullmatch(word) is not None
                or re.search(r"[a-z][A-Z]", word) is not None
                or (word[:1].isupper() and any(c.isdigit() for c in word) and word[1:].isalnum())
            )
            if (
                not shaped
                or word in DESCRIPTORS
                or any(a < y and x < a + len(word) for x, y in taken)
            ):
                continue
            taken.append((a, a + len(word)))
            found.append(
                Party(
                    word, a, a + len(word), text[a + len(word) : a + len(word) + 2] in _POSSESSIVE
                )
            )
    found.sort(key=lambda p: p.start)
    return found


def title_names(title: str, body: str) -> list[str]:
    """Names in a Title Case headline: the longest runs of its words that the body writes too."""
    names: list[str] = []
    for m in _RUN.finditer(title):
        words = [
            w.rstrip(".,:;'’").removesuffix("'s").removesuffix("’s") for w in m.group().split()
        ]
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):
                candidate = " ".join(words[i:j])
                if (
                    len(candidate) > 1
                    and not all(w in DESCRIPTORS or w in OPENERS for w in words[i:j])
                    and (f" {candidate}" in body or body.startswith(candidate))
                ):
                    names.append(candidate)
                    i = j - 1
                    break
            i += 1
    return names


def is_title_case(title: str) -> bool:
    """Whether most words of four letters or more are capitalised (a Title Case headline)."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", title) if len(w) >= 4]
    if len(words) < 3:
        return False
    upper = sum(1 for w in words if w[0].isupper())
    return upper / len(words) >= 0.7
