"""Extractive answers, passage parsing and text helpers."""

from __future__ import annotations

import re

from assistant.types import Passage
from skills.knowledge import answer, passages
from skills.knowledge import text as tx


def _passage(pid: str, text: str, dense: float = 0.6, title: str = "Article") -> Passage:
    doc = pid.split("#")[0]
    meta = {"dense_score": dense, "url": f"https://example.org/{doc}"}
    return Passage(pid, doc, title, text, 0.01, meta)


def test_lists_become_sentences_led_by_their_heading() -> None:
    text = (
        "Usual symptoms of a cold\n"
        "- Blocked or runny nose\n"
        "- Sore throat\n"
        "- Sneezing\n"
        "What helps\n"
        "Rest and drink plenty of fluids. See a pharmacist for advice on remedies.\n"
        "You may notice:\n"
        "- a mild **fever** in [children](https://example.org/kids)\n"
        "| table | row |\n"
    )
    units = passages.sentence_units(text)
    assert [u.text for u in units] == [
        "Usual symptoms of a cold: blocked or runny nose; sore throat; sneezing.",
        "Rest and drink plenty of fluids.",
        "See a pharmacist for advice on remedies.",
        "You may notice: a mild fever in children.",
    ]
    assert [u.heading for u in units] == ["Usual symptoms of a cold", *["What helps"] * 3]
    assert [u.position for u in units] == [0, 0, 1, 2]


def test_long_lists_are_cut_and_sentence_items_kept() -> None:
    items = "\n".join(f"- item number {i} with a few more words" for i in range(12))
    units = passages.sentence_units(f"## Causes\n{items}")
    assert len(units) >= 2 and all(u.text.startswith("Causes: ") for u in units)
    assert all(len(u.text.split()) <= 60 for u in units)
    full = passages.sentence_units(
        "- This list item is a full sentence with plenty of words in it."
    )
    assert full[0].text == "This list item is a full sentence with plenty of words in it."


def test_sentence_splitting_keeps_abbreviations() -> None:
    sentences = tx.split_sentences(
        "Eat fibre, e.g. oats and beans. Dr. Smith agrees. 2.5 g is a dose."
    )
    assert sentences == ["Eat fibre, e.g. oats and beans.", "Dr. Smith agrees.", "2.5 g is a dose."]


def test_terms_and_ellipsis() -> None:
    assert tx.terms("Sprained ankles") == tx.terms("sprain ankle")
    assert tx.topic_words("How long does a sprained ankle take to heal?") == ["sprained", "ankle"]
    for follow_up in ("How long does it last?", "is that contagious?", "and for kids?", "why?"):
        assert tx.is_elliptical(follow_up), follow_up
    for question in ("What is shingles?", "Is it safe to run with shin splints?", "thanks", ""):
        assert not tx.is_elliptical(question), question


def test_clean_and_clip() -> None:
    assert tx.clean("a\x00b\x1b[31mc\u202e  d\n\te") == "a b c d e"
    clipped = tx.clip("word " * 300, 100)
    assert len(clipped) <= 100 and not clipped.endswith(" ")


def test_answer_keeps_two_to_five_unique_sentences_each_cited() -> None:
    a = _passage(
        "cold#0",
        "A cold is a mild viral infection of the nose and throat. "
        "Most colds get better within seven to ten days. "
        "Colds usually clear up within seven to ten days. "  # near-duplicate of the previous one
        "Antibiotics do not work against cold viruses. "
        "Wash your hands often to avoid spreading a cold.",
        0.7,
        "Common cold",
    )
    b = _passage(
        "flu#0",
        "Flu comes on quickly with fever and aching muscles. "
        "A cold develops gradually and is milder than flu.",
        0.5,
        "Flu",
    )
    result = answer.compose("How long does a cold last?", [a, b])
    texts = [s.text for s in result.sentences]
    assert 2 <= len(texts) <= 5
    assert "Most colds get better within seven to ten days." in texts
    assert not (
        "Colds usually clear up within seven to ten days." in texts
        and "Most colds get better within seven to ten days." in texts
    )
    for sentence in result.sentences:
        cited = result.citations[sentence.cite - 1]
        source = a if cited.passage_id == a.passage_id else b
        assert sentence.text in source.text
    rendered = result.render()
    assert re.fullmatch(r"(.+? \[\d\] ?)+", rendered)
    assert len(rendered) <= answer.MAX_CHARS + 5 * 4


def test_one_citation_per_article_and_article_order() -> None:
    first = _passage("zones#0", "Heart-rate zones split effort into five bands of intensity.", 0.6)
    second = _passage(
        "zones#1", "Zone 2 is easy effort where you can still hold a conversation.", 0.7
    )
    result = answer.compose("What is zone 2 in heart-rate zones?", [second, first])
    assert len(result.citations) == 1 and {s.cite for s in result.sentences} == {1}
    # within one article the best sentence leads, here also the first in the article
    assert [s.text[:5] for s in result.sentences] == ["Heart", "Zone "]


def test_relevant_filters_on_dense_score_not_fused_score() -> None:
    high_fused_low_dense = Passage("a#0", "a", "A", "x", 0.9, {"dense_score": 0.1})
    low_fused_high_dense = Passage("b#0", "b", "B", "y", 0.01, {"dense_score": 0.8})
    kept = answer.relevant([high_fused_low_dense, low_fused_high_dense], 0.5)
    assert kept == [low_fused_high_dense]
    assert answer.relevant([Passage("c#0", "c", "C", "z", 0.9, {"dense_score": "junk"})], 0.5) == []


def test_no_passages_no_answer() -> None:
    assert answer.compose("anything?", []).sentences == ()


def test_the_section_that_answers_the_asked_aspect_wins() -> None:
    from skills.knowledge import facets

    article = _passage(
        "sprain#0",
        "## What a sprained ankle is\n"
        "A sprained ankle is an injury to the ligaments around the ankle.\n"
        "## Usual symptoms\n"
        "- Pain when walking on the sprained ankle\n"
        "- Swelling and bruising\n"
        "## Looking after yourself\n"
        "Rest the joint and use an ice pack for the first two days.\n"
        "Raise the leg on a pillow when you sit down.\n"
        "## When to get help\n"
        "See a clinician if you cannot put any weight on the sprained ankle.\n",
        title="Sprained ankle",
    )
    assert facets.asked("What should I do for a sprained ankle?") == {"care"}
    assert facets.asked("What is a sprained ankle?") == {"definition"}
    assert facets.asked("What is the best treatment for a sprain?") == {"care"}
    care = answer.compose("What should I do for a sprained ankle?", [article]).sentences
    assert care[0].text.startswith("Rest the joint")
    ranked = [
        c.text[:5] for c in answer.score_candidates("What should I do for a sprain?", [article])
    ]
    assert ranked.index("Rest ") < ranked.index("Usual") and ranked.index("Raise") < ranked.index(
        "Usual"
    )
    symptoms = answer.compose("What are the symptoms of a sprained ankle?", [article]).sentences
    assert symptoms[0].text.startswith("Usual symptoms")
    urgent = answer.compose("When should I see a doctor about a sprained ankle?", [article])
    assert urgent.sentences[0].text.startswith("See a clinician")
