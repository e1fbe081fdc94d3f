"""Is a complaint in English? The model only knows English; other languages get an honest reply.

Heuristic, deliberately simple and cheap: a text is treated as English when most of its words are
whole tokens of the English WordPiece vocabulary packaged with MiniLM (30,522 pieces, nearly all
common English words), and it is not mostly in a non-Latin script. Very short texts pass (a
single "headache" must not be refused); the skill asks them to say more instead if needed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from skills.triage.vocab import _model_dir

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    lines = (_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(t for t in lines if t.isalpha() and t.isascii())


def english_share(text: str) -> float:
    """Share of the words (letters only) that are English vocabulary words; 1.0 with no words."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return 1.0
    vocab = _english_words()
    return sum(w in vocab for w in words) / len(words)


def looks_english(text: str, threshold: float = 0.6) -> bool:
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not c.isascii() for c in letters) / len(letters) > 0.3:
        return False
    words = _WORD.findall(text)
    return len(words) < 3 or english_share(text) >= threshold
