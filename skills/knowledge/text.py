"""Text helpers of the knowledge skill: cleaning, sentence splitting, terms.

Decisions:
    * Terms are lower-cased words with a tiny suffix stripper ("sprains", "sprained" and "sprain"
      meet), not a full stemmer: the answer builder only needs overlap between a question and a
      handful of sentences, and a small rule set is predictable.
    * Words are sorted into three kinds: stopwords (function words, question words), *facets*
      (words that say which aspect of a topic is asked about: "long", "causes", "symptoms",
      "kids"...) and topic words (everything else). A question without topic words ("how long
      does it last?") is elliptical and borrows the topic of the conversation.
"""

from __future__ import annotations

import functools
import re
import unicodedata


def _wordset(block: str) -> frozenset[str]:
    return frozenset(block.split())


STOPWORDS = _wordset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    else ever every few for from further get gets getting got had has have having he her here
    hers him his how i if in into is it its itself just let lets like may me might mine more most
    much must my myself no nor not now of off on once one only or other our ours out over own
    please really same say says she should so some such tell than that thats the their theirs
    them then there these they this those through to too under until up us very was we were what
    whats when where which while who whom whose why will with would you your yours yourself
    im ive id ill youre dont doesnt isnt arent cant wont shouldnt wouldnt couldnt didnt
    anything something someone thing things way ways kind sort lot lots bit okay ok hi hey vita
    explain know want need wondering wonder question ask mean means actually exactly
    think thought believe feel feeling felt guess maybe probably seem seems worried worry
    concerned sure heard read said told going went come came see saw look looking try trying
    keep keeps still already yet even quite pretty little well thanks thank yes yeah
    """
)

# Words that name an aspect of a topic rather than the topic itself.
FACETS = _wordset(
    """
    long last lasts lasting take takes often many much time times day days week weeks month
    months year years hour hours minute minutes early late soon
    cause causes caused causing reason reasons why symptom symptoms sign signs treat treats
    treatment treatments treated cure cures help helps helpful prevent prevents prevention avoid
    risk risks risky danger dangerous safe safely serious bad worse good better best normal
    common contagious spread spreads catch catching recover recovery heal healing go away gone
    work works working effect effects side benefit benefits difference different differ same
    kid kids child children baby babies toddler teen teens adult adults elderly older old young
    woman women man men pregnant pregnancy age aged people person someone everyone
    do does doing make makes use used using start stop should often enough too amount
    mean means definition called name type types kinds example examples
    today yesterday tonight tomorrow morning evening weekend
    """
)

# Pronouns and lead-ins that point back to an earlier topic.
ANAPHORA = _wordset("it its this that these those they them their one ones")
LEAD_INS = ("and ", "what about ", "how about ", "what if ", "also ", "but ", "so ")

_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|dr|mr|mrs|ms|st|no|fig|min|max)\.", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SAFE_DOT = "\u2024"  # one-dot leader: stands in for an abbreviation's dot while splitting


def clean(text: str) -> str:
    """NFKC-fold, drop terminal escapes and control characters, collapse whitespace; keep case."""
    text = _ANSI_ESCAPE.sub(" ", unicodedata.normalize("NFKC", text))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small suffix stripper (see the module docstring)."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ment", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # running -> run, swimming -> swim
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # cause, causes, caused -> caus
    return word


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` (apostrophes dropped: "don't" -> "dont")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower())]


def terms(text: str) -> set[str]:
    """Stemmed words of ``text`` that are not stopwords: what overlap is measured on."""
    return {stem(w) for w in words(text) if w not in STOPWORDS}


def topic_words(text: str) -> list[str]:
    """Words that name a topic (not stopwords, not facets), in order, without repeats."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w not in STOPWORDS and w not in FACETS and not w.isdigit() and len(w) > 1:
            seen.setdefault(w, None)
    return list(seen)


def is_elliptical(text: str) -> bool:
    """True for a follow-up that only makes sense with an earlier topic ("is it contagious?")."""
    low = clean(text).lower()
    if not low or topic_words(low):
        return False
    tokens = words(low)
    return bool(ANAPHORA & set(tokens)) or low.startswith(LEAD_INS) or low.endswith("?")


def split_sentences(text: str) -> list[str]:
    """Sentences of a plain-text paragraph, in order, each stripped and non-empty."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(1) + _SAFE_DOT, " ".join(text.split()))
    out = []
    for piece in _SENTENCE_END.split(protected):
        sentence = piece.replace(_SAFE_DOT, ".").strip()
        if sentence:
            out.append(sentence)
    return out
