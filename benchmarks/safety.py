"""Safety screen benchmark: latency with the real MiniLM model, and quality on our phrase table.

Usage: ``python -m benchmarks.safety [--runs 20]``. Prints the figures and writes them into the
"Safety screen" section of BENCHMARKS.md. Quality is measured on ``tests/assistant/safety_table.yaml``
(the rules were tuned on it, so this is training-set accuracy) and on the held-out phrases in
``tests/assistant/test_safety.py`` (written after the rules were frozen).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from assistant.config import Settings
from assistant.safety import SafetyScreen
from benchmarks.report import write_section
from index.embed import MiniLMEmbedder

ROOT = Path(__file__).resolve().parent.parent
EVERYDAY = [
    "can you make me a three day plan with dumbbells",
    "my knee hurts when I run downhill, what should I do?",
    "I had a long day. My legs are tired and my back aches a bit, any stretches?",
]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _time(screen: SafetyScreen, texts: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        for text in texts:
            start = time.perf_counter()
            screen.screen(text)
            samples.append(time.perf_counter() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions of each timed phrase")
    args = parser.parse_args(argv)

    settings = Settings.load(env={}, toml_path=ROOT / "no-such.toml", embedder="minilm")
    screen = SafetyScreen(settings, MiniLMEmbedder())
    start = time.perf_counter()
    screen.warm_up()
    warm = time.perf_counter() - start

    table: dict[str, Any] = yaml.safe_load((ROOT / "tests/assistant/safety_table.yaml").read_text())
    held_out: dict[str, Any] = yaml.safe_load(
        (ROOT / "tests/assistant/safety_held_out.yaml").read_text()
    )

    def recall(items: list[tuple[str, str]]) -> tuple[int, int]:
        hits = 0
        for text, kind in items:
            result = screen.screen(text)
            hits += int(result.escalate and result.kind == kind)
        return hits, len(items)

    def false_alarms(texts: list[str]) -> tuple[int, int]:
        return sum(screen.screen(t).escalate for t in texts), len(texts)

    esc = recall([(e["text"], e["kind"]) for e in table["escalate"]])
    safe = false_alarms(table["safe"])
    h_esc = recall([(e["text"], e["kind"]) for e in held_out["escalate"]])
    h_safe = false_alarms(held_out["safe"])

    everyday = _ms(_time(screen, EVERYDAY, args.runs))
    pattern = _ms(_time(screen, ["I think I'm having a heart attack"], args.runs))
    long_text = _ms(_time(screen, [" ".join(EVERYDAY * 30)[:4000]], max(3, args.runs // 4)))

    body = f"""| measure | value |
|---|---|
| warm-up (load MiniLM, embed prototypes) | {warm:.1f} s |
| `screen()` on everyday messages, median / p95 | {everyday[0]:.1f} / {everyday[1]:.1f} ms |
| `screen()` when a pattern fires, median / p95 | {pattern[0]:.2f} / {pattern[1]:.2f} ms |
| `screen()` on a 4,000-character message, median / p95 | {long_text[0]:.1f} / {long_text[1]:.1f} ms |
| table: emergencies escalated with the right kind | {esc[0]} / {esc[1]} |
| table: safe phrases escalated (false alarms) | {safe[0]} / {safe[1]} |
| held out: emergencies escalated with the right kind | {h_esc[0]} / {h_esc[1]} |
| held out: near-miss safe phrases escalated | {h_safe[0]} / {h_safe[1]} |

The table was used to write and tune the rules; the held-out phrases were written after the
rules were frozen and show what to expect on new wording."""
    print(body)
    write_section("Safety screen", "python -m benchmarks.safety", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
