"""The calibration arithmetic and the labelled question set (the real sweep is in test_real_index)."""

from __future__ import annotations

import pytest

from assistant.types import Passage
from skills.knowledge import calibrate
from skills.knowledge.calibrate import Labelled


def _hit(title: str, text: str, dense: float) -> Passage:
    return Passage(f"{title}#0", title, title, text, 0.01, {"dense_score": dense})


COLD = _hit("Common cold", "Most colds get better within seven to ten days without treatment.", 0.7)
SPORT = _hit("Running", "Running builds endurance when you increase distance slowly.", 0.35)


def test_evaluate_counts_correct_false_and_abstained() -> None:
    items = [
        Labelled("how long does a cold last?", True, ("cold",)),
        Labelled("how long does flu last?", True, ("flu",)),  # answered from the wrong article
        Labelled("who won the world cup?", False),
    ]
    results = [[COLD], [COLD], [SPORT]]
    low = calibrate.evaluate(items, results, 0.3)
    assert (low.answered, low.correct, low.false_unanswerable) == (3, 1, 1)
    assert low.precision == pytest.approx(1 / 3) and low.recall == pytest.approx(1 / 2)
    assert low.false_rate == 1.0
    high = calibrate.evaluate(items, results, 0.5)
    assert (high.answered, high.correct, high.false_unanswerable) == (2, 1, 0)
    none = calibrate.evaluate(items, results, 0.9)
    assert none.answered == 0 and none.precision == 1.0 and none.recall == 0.0


def test_recommend_prefers_recall_within_the_false_answer_budget() -> None:
    items = [Labelled("cold?", True, ("cold",)), Labelled("world cup?", False)]
    table = calibrate.sweep(items, [[COLD], [SPORT]], grid=(0.3, 0.4, 0.5, 0.6, 0.7, 0.8))
    # 0.4 .. 0.7 all answer the cold question and refuse the sport one: the middle is chosen
    best = calibrate.recommend(table, max_false_rate=0.0)
    assert best.threshold in (0.5, 0.6) and best.recall == 1.0 and best.false_unanswerable == 0
    # allowing one false answer in two makes 0.3 acceptable, but it adds no recall
    assert calibrate.recommend(table, max_false_rate=0.5).recall == 1.0
    assert "| 0.30 |" in calibrate.format_table(table, every=1)


def test_the_labelled_set_is_well_formed() -> None:
    items = calibrate.load_questions()
    answerable = [i for i in items if i.answerable]
    unanswerable = [i for i in items if not i.answerable]
    assert len(answerable) >= 40 and len(unanswerable) >= 25
    assert all(i.expect for i in answerable) and not any(i.expect for i in unanswerable)
    assert len({i.question.lower() for i in items}) == len(items)
