"""Calibrate the abstention threshold (``knowledge_min_score``) on a labelled question set.

``python -m skills.knowledge.calibrate`` searches every question of
``tests/skills/knowledge/questions.yaml`` once in the real index, then replays the skill's decision
(answer when a passage's dense score reaches the threshold, from the passages that do) for each
threshold from 0.20 to 0.80, and prints, for each:

    * precision: answers that are correct / answers given (a correct answer cites a passage
      containing one of the question's ``expect`` words; any answer to an unanswerable question,
      or from the wrong article, is a false answer);
    * recall: correct answers / answerable questions;
    * false-answer rate: unanswerable questions answered / unanswerable questions.

The recommended threshold is the middle of the thresholds with the best recall (then precision)
among those whose false-answer rate is at most ``--max-false-rate`` (default 0.04, one question
in 25). ``--write-benchmarks`` records the table in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from assistant.config import PROJECT_ROOT, Settings
from assistant.skill import Retriever
from assistant.types import Passage
from skills.knowledge import answer as extractive
from skills.knowledge import text as tx

QUESTIONS = PROJECT_ROOT / "tests" / "skills" / "knowledge" / "questions.yaml"
GRID = tuple(round(0.20 + 0.01 * i, 2) for i in range(61))
SEARCH_K = 6


@dataclass(frozen=True)
class Labelled:
    """A question, whether the library should answer it, and words a correct answer cites."""

    question: str
    answerable: bool
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metrics:
    """The skill's behaviour on the labelled set at one threshold."""

    threshold: float
    answered: int
    correct: int
    false_unanswerable: int
    answerable: int
    unanswerable: int

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.answerable if self.answerable else 0.0

    @property
    def false_rate(self) -> float:
        return self.false_unanswerable / self.unanswerable if self.unanswerable else 0.0


def load_questions(path: Path = QUESTIONS) -> list[Labelled]:
    """Read the labelled set (see the file's header for its shape)."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = [
        Labelled(str(q["q"]), True, tuple(str(w).lower() for w in q.get("expect", ())))
        for q in data.get("answerable", ())
    ]
    out += [Labelled(str(q["q"]), False) for q in data.get("unanswerable", ())]
    return out


Cache = dict[tuple[str, tuple[str, ...]], str]


def is_correct(
    item: Labelled, found: Sequence[Passage], threshold: float, cache: Cache | None = None
) -> bool | None:
    """None: the skill abstains; True/False: it answers, correctly or not.

    ``cache`` keeps the cited text per (question, passages used), so a sweep composes each
    distinct answer once instead of once per threshold.
    """
    used = extractive.relevant(found, threshold)
    if not used:
        return None
    if not item.answerable:
        return False
    key = (item.question, tuple(p.passage_id for p in used))
    if cache is None or key not in cache:
        cited = {c.passage_id for c in extractive.compose(item.question, used).citations}
        text = " ".join(f"{p.title} {p.text}".lower() for p in used if p.passage_id in cited)
        if cache is None:
            return any(word in text for word in item.expect)
        cache[key] = text
    return any(word in cache[key] for word in item.expect)


def evaluate(
    items: Sequence[Labelled],
    results: Sequence[Sequence[Passage]],
    threshold: float,
    cache: Cache | None = None,
) -> Metrics:
    """Metrics at ``threshold`` for questions already searched (``results[i]`` for ``items[i]``)."""
    answered = correct = false_unanswerable = 0
    for item, found in zip(items, results, strict=True):
        verdict = is_correct(item, found, threshold, cache)
        if verdict is None:
            continue
        answered += 1
        correct += int(verdict)
        false_unanswerable += int(not item.answerable)
    return Metrics(
        threshold,
        answered,
        correct,
        false_unanswerable,
        answerable=sum(i.answerable for i in items),
        unanswerable=sum(not i.answerable for i in items),
    )


def search_all(
    retriever: Retriever, items: Sequence[Labelled], progress: bool = False
) -> list[list[Passage]]:
    """Search each question once (with a progress bar when asked)."""
    queries: Iterable[Labelled] = items
    if progress:
        from rich.progress import track

        queries = track(items, description="searching questions")
    return [retriever.search(tx.clean(i.question), k=SEARCH_K) for i in queries]


def sweep(
    items: Sequence[Labelled], results: Sequence[Sequence[Passage]], grid: Iterable[float] = GRID
) -> list[Metrics]:
    cache: Cache = {}
    return [evaluate(items, results, t, cache) for t in grid]


def recommend(table: Sequence[Metrics], max_false_rate: float = 0.04) -> Metrics:
    """The middle of the thresholds with the best recall within ``max_false_rate`` false answers.

    Every threshold of that plateau separates the labelled set equally well; its middle leaves
    the most room on both sides for questions phrased unlike ours.
    """
    allowed = [m for m in table if m.false_rate <= max_false_rate] or [table[-1]]
    top = max((m.recall, m.precision) for m in allowed)
    plateau = [m for m in allowed if (m.recall, m.precision) == top]
    middle = (plateau[0].threshold + plateau[-1].threshold) / 2
    return min(plateau, key=lambda m: (abs(m.threshold - middle), -m.threshold))


def format_table(table: Sequence[Metrics], every: int = 5) -> str:
    """A Markdown table of the sweep (every ``every``-th threshold)."""
    lines = [
        "| threshold | answered | precision | recall | false answers (unanswerable) |",
        "|---|---|---|---|---|",
    ]
    for m in table[::every]:
        lines.append(
            f"| {m.threshold:.2f} | {m.answered} | {m.precision:.2f} | {m.recall:.2f} "
            f"| {m.false_unanswerable}/{m.unanswerable} |"
        )
    return "\n".join(lines)


def open_retriever(settings: Settings) -> Retriever:
    """The real index (imported late: ``index.service`` loads FAISS and the embedder)."""
    service = importlib.import_module("index.service")
    return cast(Retriever, service.open_retriever(settings))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skills.knowledge.calibrate",
        description="Measure precision/recall of the knowledge skill's abstention threshold.",
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="labelled YAML set")
    parser.add_argument("--max-false-rate", type=float, default=0.04, help="allowed false rate")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the index lives")
    parser.add_argument(
        "--write-benchmarks", action="store_true", help="record the table in BENCHMARKS.md"
    )
    args = parser.parse_args(argv)
    settings = Settings.load(data_dir=args.data_dir)
    items = load_questions(args.questions)
    results = search_all(open_retriever(settings), items, progress=True)
    table = sweep(items, results)
    best = recommend(table, args.max_false_rate)
    current = evaluate(items, results, settings.knowledge_min_score)
    report = (
        f"{format_table(table)}\n\n"
        f"Recommended threshold {best.threshold:.2f}: precision {best.precision:.2f}, recall "
        f"{best.recall:.2f}, {best.false_unanswerable}/{best.unanswerable} unanswerable answered.\n"
        f"Configured threshold {current.threshold:.2f}: precision {current.precision:.2f}, recall "
        f"{current.recall:.2f}, {current.false_unanswerable}/{current.unanswerable} unanswerable "
        f"answered ({sum(i.answerable for i in items)} answerable, "
        f"{current.unanswerable} unanswerable questions)."
    )
    print(report)
    if args.write_benchmarks:
        from benchmarks.report import write_section

        write_section("Knowledge abstention", "python -m skills.knowledge.calibrate", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
