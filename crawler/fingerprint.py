"""Content fingerprints for deduplication: a 64-bit SimHash over word shingles, and a hash.

Two copies of one wire story differ in boilerplate, a byline or a sentence; their SimHashes then
differ in a few bits, while unrelated stories differ in about half of the 64. The value is stored
signed, so it fits a SQL ``BIGINT``.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+")
SHINGLE = 4


_LANE = 20  # bits per counter lane: room for a million shingles
_LANE_MASK = (1 << _LANE) - 1
# _SPREAD[i][byte] puts bit k of ``byte`` into counter lane 8*i + k, so summing spread hashes
# counts, for all 64 bits at once, how many shingles have each bit set (big-int adds are fast).
_SPREAD = [
    [sum(1 << ((8 * i + k) * _LANE) for k in range(8) if byte >> k & 1) for byte in range(256)]
    for i in range(8)
]
_MAX_SHINGLES = 200_000


def simhash(text: str) -> int:
    """Return the signed 64-bit SimHash of ``text``'s 4-word shingles (0 for empty text)."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0
    if len(words) < SHINGLE:
        shingles = [" ".join(words)]
    else:
        shingles = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    shingles = shingles[:_MAX_SHINGLES]
    total = 0
    s0, s1, s2, s3, s4, s5, s6, s7 = _SPREAD
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")
        total += (
            s0[h & 255]
            + s1[h >> 8 & 255]
            + s2[h >> 16 & 255]
            + s3[h >> 24 & 255]
            + s4[h >> 32 & 255]
            + s5[h >> 40 & 255]
            + s6[h >> 48 & 255]
            + s7[h >> 56]
        )
    half = len(shingles) / 2
    value = 0
    for bit in range(64):
        if (total >> (bit * _LANE) & _LANE_MASK) > half:
            value |= 1 << bit
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two (signed) 64-bit fingerprints."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def content_hash(text: str) -> str:
    """SHA-256 of the whitespace-normalised text: equal for byte-identical bodies."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
