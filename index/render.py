"""Rich tables for ``vita index stats``, ``vita index search`` and ``vita eval retrieval``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.prompts import Prompts
from assistant.types import Passage
from index.store import Manifest


def stats_table(prompts: Prompts, folder: Path, m: Manifest, state: str) -> None:
    label = prompts.data("index.stats_labels")
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")  # paths in warnings must stay readable in full
    dense = (
        m.dense.kind
        if m.dense.kind == "flat"
        else f"{m.dense.kind} (nlist {m.dense.nlist}, nprobe {m.dense.nprobe})"
    )
    rows = [
        ("folder", str(folder)),
        ("state", state),
        ("embedder", f"{m.embedder} ({m.dim} dimensions)"),
        ("documents", f"{m.documents:,}"),
        ("passages", f"{m.passages:,}"),
        ("duplicates", f"{m.duplicates_removed:,}"),
        ("topics", ", ".join(f"{k} {v:,}" for k, v in m.topics.items()) or "-"),
        ("dense", dense),
        (
            "recall",
            f"{m.dense.recall_at_10:.3f} ({m.dense.recall_queries} queries)"
            if m.dense.kind != "flat"
            else "1.000 (exact)",
        ),
        ("built", m.built_at),
        ("build_seconds", f"{m.build_seconds:.1f}"),
        ("corpus_hash", m.corpus_hash[:16]),
        ("sources", "\n".join(f"{s['path']} ({s['format']})" for s in m.sources) or "-"),
        (
            "skipped",
            "\n".join(m.warnings[:20])
            + (f"\n… {len(m.warnings) - 20} more" if len(m.warnings) > 20 else "")
            or "-",
        ),
    ]
    for key, value in rows:
        table.add_row(str(label[key]), escape(value))
    Console().print(table)


def results_table(prompts: Prompts, passages: Sequence[Passage]) -> None:
    col = prompts.data("index.columns")
    table = Table(show_lines=True)
    for key in ("rank", "score", "dense", "bm25", "title", "passage"):
        table.add_column(str(col[key]), overflow="fold")
    for p in passages:
        meta = p.metadata
        snippet = p.text if len(p.text) <= 240 else p.text[:240].rsplit(" ", 1)[0] + " …"
        title = escape(p.title) + (
            f"\n[dim]{escape(str(meta['url']))}[/dim]" if meta.get("url") else ""
        )
        table.add_row(
            str(meta.get("rank", "")),
            f"{p.score:.4f}",
            f"{float(meta.get('dense_score', 0.0)):.3f}",
            f"{float(meta.get('bm25_score', 0.0)):.2f}",
            title,
            escape(snippet),
        )
    Console().print(table)


def eval_table(
    prompts: Prompts, corpus: str, passages: int, results: Mapping[str, Mapping[str, float]]
) -> None:
    col = prompts.data("index.columns")
    metrics = [k for k in next(iter(results.values())) if k != "queries"]
    queries = int(next(iter(results.values()))["queries"])
    table = Table(
        title=prompts.render(
            "index.eval_title", corpus=corpus, queries=queries, passages=f"{passages:,}"
        )
    )
    table.add_column(str(col["mode"]))
    for metric in metrics:
        table.add_column(metric, justify="right")
    for mode, values in results.items():
        table.add_row(mode, *(f"{values[m]:.4f}" for m in metrics))
    Console().print(table)
