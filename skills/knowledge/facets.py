"""Which aspect of a topic a question asks about, and which article sections answer it.

"What should I do for a sprained ankle?" shares only "sprained ankle" with every sentence of the
sprained-ankle article; what tells the answer apart is that it sits under "Looking after
yourself" or "What treatment usually involves". Each facet pairs a pattern over the question with
a pattern over section headings; in :func:`skills.knowledge.answer.score_candidates` a sentence
under a heading of an asked facet gets a bonus, and one under a heading of another facet
("Usual symptoms" when care was asked) a smaller penalty. The heading patterns follow the section names
the project's articles use (see ``index/corpus``), with common synonyms.
"""

from __future__ import annotations

import re

FACETS: dict[str, tuple[str, str]] = {
    # name: (question pattern, heading pattern)
    "definition": (
        r"^(what('s| is| are)|define|what does .* mean|tell me about|explain)\b",
        r"^what (.* )?(is|are)\b|^what (it|they) (is|are|does)|overview|^about\b|what .* does to",
    ),
    "care": (
        r"\bwhat (should|can|do) (i|you|we|people) do\b|\bhow (do|can|should|to) (i|you|we)? ?"
        r"(treat|manage|deal|get rid|cope|ease|relieve|stop|handle|look after|help)\b|"
        r"\bwhat (helps|can help|is the (best )?treatment)\b|\b(treat(ed|ment)?|remed(y|ies)|"
        r"manag(e|ing)|reliev(e|ing)|eas(e|ing)|cope|coping|self[- ]care|first aid)\b",
        r"treat|look(ing)? after|self[- ]care|what (can )?help|what to do|at home|manag|relie|"
        r"ways|tips|habits|things you can do|first aid|care",
    ),
    "symptoms": (
        r"\b(symptoms?|signs?|how (do|can|would) (i|you) (know|tell)|what does .* (feel|look) like)\b",
        r"symptom|signs?\b|what .* (looks?|feels?) like",
    ),
    "causes": (
        r"\b(caus(e|es|ed|ing)|why (do|does|is|are|am|did)|risk|triggers?|reason)\b",
        r"caus|risk|trigger|why",
    ),
    "urgency": (
        r"\b(see a (doctor|gp|clinician)|when (should|do) i (see|call|go)|is (it|this) serious|"
        r"emergency|urgent|ambulance|worried)\b",
        r"when to|get help|urgent|emergency|ambulance|see a",
    ),
    "prevention": (
        r"\b(prevent(ed|ing|ion)?|avoid(ed|ing)?|stop (it )?(from )?(happening|getting)|lower the risk|"
        r"reduce the (risk|chance))\b",
        r"prevent|avoid|reduc|lower|protect|staying safe",
    ),
    "technique": (
        r"\bhow (do|should|can) (i|you) (do|perform)|\b(form|technique|how to do)\b",
        r"how to do|technique|form|setup|common mistakes",
    ),
    "amount": (
        r"\bhow (much|many|long|often)\b|\b(dose|amount|recommended|intake)\b",
        r"how much|how many|how long|how often|what to aim for|amount|recommend|guideline",
    ),
}

_QUESTION = {name: re.compile(q, re.I) for name, (q, _) in FACETS.items()}
_HEADING = {name: re.compile(h, re.I) for name, (_, h) in FACETS.items()}


def asked(question: str) -> frozenset[str]:
    """The facets ``question`` asks about (often none, sometimes two).

    "What is ..." counts as a definition question only when nothing more specific is asked
    ("what is the best treatment for ..." asks for care).
    """
    found = {name for name, pattern in _QUESTION.items() if pattern.search(question)}
    if len(found) > 1:
        found.discard("definition")
    return frozenset(found)


def section_facets(heading: str) -> frozenset[str]:
    """The facets a section called ``heading`` is about."""
    if not heading:
        return frozenset()
    return frozenset(name for name, pattern in _HEADING.items() if pattern.search(heading))


def fit(heading: str, wanted: frozenset[str]) -> float:
    """+1 when the section answers an asked facet, -1 when it is about another one, else 0."""
    if not wanted:
        return 0.0
    about = section_facets(heading)
    if about & wanted:
        return 1.0
    return -1.0 if about else 0.0
