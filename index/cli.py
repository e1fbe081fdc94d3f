"""``vita index build|add|stats|search`` and ``vita eval retrieval``.

* ``vita index build [--source PATH --format F]... [--include-corpus] [--force]`` — with sources,
  they replace the recorded list (the package corpus is kept only with ``--include-corpus``);
  without, the recorded sources (default: the package corpus) are rebuilt if stale.
* ``vita index add PATH --format F`` — record one more source and rebuild (unchanged passages
  keep their vectors).
* ``vita index stats [--json]`` — the manifest, and whether the index is up to date and why not.
* ``vita index search "query" -k 10 [--topic T] [--mode hybrid|dense|bm25] [--json]``, or in batch
  ``--queries FILE.jsonl`` (lines ``{"id", "text"}``) which writes one JSON line per query:
  ``{"id", "results": [{"doc_id", "passage_id", "score", "title"}]}``.

Every command takes ``--data-dir`` (the index lives in ``<data-dir>/index``), so several indexes
live side by side, and ``--embedder minilm|hash``. Decision: this module (and ``index.api``) are
the adapters between the index and the engine, so they may use ``assistant.prompts``; the rest
of ``index`` imports only ``assistant.types`` and ``assistant.config``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from assistant.config import Settings
from assistant.prompts import Prompts

if TYPE_CHECKING:
    from assistant.cli import Commands
    from index.search import Searcher
    from index.store import Manifest

FORMAT_CHOICES = ("auto", "markdown", "jsonl", "medquad", "exercises", "text")


def register(commands: Commands) -> None:
    parser = commands.add("index", help="build, extend, inspect and search the knowledge index")
    parser.set_defaults(handler=_usage(parser), embedder=None)
    sub = parser.add_subparsers(dest="index_command", metavar="ACTION")

    build = _action(
        sub, "build", "build the index from its sources (only if stale, unless --force)"
    )
    build.add_argument(
        "--source",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a file or folder to index (repeatable); replaces the recorded sources",
    )
    build.add_argument(
        "--format",
        action="append",
        default=[],
        choices=FORMAT_CHOICES,
        help="format of the matching --source (default auto)",
    )
    build.add_argument(
        "--include-corpus",
        action="store_true",
        help="with --source: keep the package's own articles too",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.set_defaults(handler=_build)

    add = _action(sub, "add", "add a source to the index and rebuild")
    add.add_argument("path", type=Path, help="a file or folder")
    add.add_argument("--format", default="auto", choices=FORMAT_CHOICES, help="default auto")
    add.set_defaults(handler=_add)

    stats = _action(sub, "stats", "show what the index holds and whether it is up to date")
    stats.add_argument("--json", action="store_true", help="print the manifest as JSON")
    stats.set_defaults(handler=_stats)

    search = _action(sub, "search", "search the index (builds it first if needed)")
    search.add_argument("query", nargs="?", help="what to look for")
    search.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
    search.add_argument("--topic", help="only passages of this topic (medical, fitness, ...)")
    search.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "bm25"))
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "--queries",
        type=Path,
        metavar="FILE.jsonl",
        help='batch: lines {"id", "text"}; writes one JSON line per query',
    )
    search.add_argument("--output", type=Path, help="batch: write here instead of stdout")
    search.set_defaults(handler=_search)

    ev = commands.add_eval("retrieval", "nDCG@10, Recall@100, MRR@10 of BM25, dense and hybrid")
    ev.add_argument(
        "--corpus",
        type=Path,
        required=True,
        help="corpus.jsonl, or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)",
    )
    ev.add_argument("--queries", type=Path, help="queries.jsonl ({_id, text} per line)")
    ev.add_argument("--qrels", type=Path, help="qrels: BEIR TSV or TREC format")
    ev.add_argument("--limit", type=int, help="evaluate only the first N judged queries")
    ev.add_argument("--depth", type=int, default=100, help="documents ranked per query (Recall@N)")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.add_argument("--embedder", choices=("minilm", "hash"), help="default from settings")
    ev.set_defaults(handler=_eval)


def _action(sub: Any, name: str, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    # SUPPRESS: when given only before the action, the value set there is kept
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="where indexes live (default ./var); the index is <data-dir>/index",
    )
    parser.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="a vita.toml to read"
    )
    parser.add_argument("--locale", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--embedder",
        choices=("minilm", "hash"),
        default=argparse.SUPPRESS,
        help="embedding model (default minilm; hash is for tests)",
    )
    return parser


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


class _Failure(Exception):
    """A message for stderr and exit status 2."""


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(
        toml_path=args.config,
        data_dir=args.data_dir,
        default_locale=args.locale,
        embedder=getattr(args, "embedder", None),
    )


def _run(args: argparse.Namespace, body: Any) -> int:
    from index.sources import SourceError
    from index.store import IndexError_

    settings = _settings(args)
    prompts = Prompts(settings.prompts_dir)
    try:
        result: int = body(settings, prompts)
        return result
    except _Failure as err:
        print(f"vita: {err}", file=sys.stderr)
    except (SourceError, IndexError_, ValueError, OSError) as err:
        print(f"vita: {prompts.render('index.failed', reason=str(err))}", file=sys.stderr)
    return 2


def _build(args: argparse.Namespace) -> int:
    def body(settings: Settings, prompts: Prompts) -> int:
        from index.embed import load_embedder
        from index.progress import RichProgress
        from index.service import home_for
        from index.sources import SourceSpec

        home = home_for(settings)
        if args.source:
            formats = list(args.format) + ["auto"] * (len(args.source) - len(args.format))
            specs = [SourceSpec(p, f) for p, f in zip(args.source, formats, strict=False)]
            if args.include_corpus:
                specs = [*home.default_sources, *specs]
            chosen = home.set_sources(specs)
            print(prompts.render("index.sources_set", folder=home.root, count=len(chosen)))
        with RichProgress() as bar:
            store, built = home.ensure(load_embedder(settings.embedder), bar, force=args.force)
        _report(prompts, home.root, store.manifest, built)
        return 0

    return _run(args, body)


def _add(args: argparse.Namespace) -> int:
    def body(settings: Settings, prompts: Prompts) -> int:
        from index.embed import load_embedder
        from index.progress import RichProgress
        from index.service import home_for
        from index.sources import SourceSpec

        home = home_for(settings)
        spec = SourceSpec(args.path, args.format).resolved()
        home.add_source(spec)
        print(prompts.render("index.added", path=spec.path, format=spec.format, folder=home.root))
        with RichProgress() as bar:
            store, built = home.ensure(load_embedder(settings.embedder), bar)
        _report(prompts, home.root, store.manifest, built)
        return 0

    return _run(args, body)


def _report(prompts: Prompts, folder: Path, m: Manifest, built: bool) -> None:
    if built:
        dense = (
            m.dense.kind
            if m.dense.kind == "flat"
            else f"{m.dense.kind}, recall@10 {m.dense.recall_at_10}"
        )
        print(
            prompts.render(
                "index.built",
                folder=folder,
                passages=f"{m.passages:,}",
                documents=f"{m.documents:,}",
                seconds=f"{m.build_seconds:.1f}",
                dense=dense,
                reused=f"{m.reused_vectors:,}",
            )
        )
        if m.warnings:
            print(prompts.render("index.warnings", count=len(m.warnings)), file=sys.stderr)
    else:
        print(
            prompts.render(
                "index.up_to_date",
                folder=folder,
                passages=f"{m.passages:,}",
                documents=f"{m.documents:,}",
            )
        )


def _stats(args: argparse.Namespace) -> int:
    def body(settings: Settings, prompts: Prompts) -> int:
        from index.embed import load_embedder
        from index.service import home_for
        from index.sources import SourceError

        home = home_for(settings)
        try:
            status = home.status(load_embedder(settings.embedder))
        except SourceError as exc:
            raise _Failure(prompts.render("index.failed", reason=str(exc))) from exc
        if status.manifest is None:
            raise _Failure(prompts.render("index.no_index", folder=home.root))
        m = status.manifest
        state = (
            prompts.render("index.fresh")
            if status.fresh
            else prompts.render("index.stale", reason=status.reason)
        )
        if args.json:
            print(
                json.dumps(
                    {
                        "folder": str(home.root),
                        "fresh": status.fresh,
                        "state": state,
                        "manifest": m.to_dict(),
                    },
                    indent=2,
                )
            )
            return 0
        from index.render import stats_table

        stats_table(prompts, home.root, m, state)
        return 0

    return _run(args, body)


def _search(args: argparse.Namespace) -> int:
    def body(settings: Settings, prompts: Prompts) -> int:
        from index.embed import load_embedder
        from index.progress import RichProgress
        from index.search import Searcher, clean_query, passage_json
        from index.service import fusion_for, home_for

        if args.queries is None:
            _check_query(args.query or "", settings, prompts)
        if not 1 <= args.k <= 1000:
            raise _Failure(prompts.render("errors.bad_search_k", limit=1000))
        home = home_for(settings)
        embedder = load_embedder(settings.embedder)
        with RichProgress() as bar:
            store, _ = home.ensure(embedder, bar)
        fusion = fusion_for(settings)
        if args.k > fusion.candidates:
            from dataclasses import replace

            fusion = replace(fusion, candidates=args.k)
        searcher = Searcher(store, embedder, fusion, settings.index_max_query_chars)
        filters = {"topic": args.topic} if args.topic else None
        if args.queries is not None:
            return _batch(searcher, args, filters, prompts)
        hits = searcher.search(clean_query(args.query), k=args.k, mode=args.mode, filters=filters)
        passages = [searcher.passage(h) for h in hits]
        if args.json:
            print(json.dumps([passage_json(p) for p in passages], indent=2, ensure_ascii=False))
        elif not passages:
            print(prompts.render("index.no_results"))
        else:
            from index.render import results_table

            results_table(prompts, passages)
        return 0

    return _run(args, body)


def _check_query(query: str, settings: Settings, prompts: Prompts) -> None:
    from index.search import clean_query

    if not clean_query(query, settings.max_message_chars + 1):
        raise _Failure(prompts.render("errors.empty_query"))
    if len(query) > settings.max_message_chars:
        raise _Failure(
            prompts.render(
                "errors.query_too_long", length=len(query), limit=settings.max_message_chars
            )
        )


def _batch(searcher: Searcher, args: argparse.Namespace, filters: Any, prompts: Prompts) -> int:
    rows = list(_read_batch(args.queries, prompts))
    out: TextIO = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        for start in range(0, len(rows), 512):
            part = rows[start : start + 512]
            found = searcher.search_many([t for _, t in part], args.k, args.mode, filters)
            for (qid, _), hits in zip(part, found, strict=True):
                results = []
                for hit in hits:
                    p = searcher.passage(hit)
                    results.append(
                        {
                            "doc_id": p.doc_id,
                            "passage_id": p.passage_id,
                            "score": round(p.score, 6),
                            "title": p.title,
                        }
                    )
                out.write(json.dumps({"id": qid, "results": results}, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            out.close()
    return 0


def _read_batch(path: Path, prompts: Prompts) -> Iterator[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Failure(prompts.render("index.failed", reason=f"{path}: {exc}")) from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            qid, text = str(row["id"]), row["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            print(
                prompts.render("index.batch_bad_line", file=path, line=number, reason=exc),
                file=sys.stderr,
            )
            continue
        yield qid, text


def _eval(args: argparse.Namespace) -> int:
    def body(settings: Settings, prompts: Prompts) -> int:
        from dataclasses import replace

        from index.build import BuildConfig
        from index.embed import load_embedder
        from index.eval import evaluate, load_collection
        from index.home import IndexHome
        from index.progress import RichProgress
        from index.search import Searcher
        from index.service import fusion_for
        from index.sources import SourceSpec

        collection = load_collection(args.corpus, args.queries, args.qrels)
        corpus = collection.corpus.resolve()
        tag = hashlib.sha1(str(corpus).encode()).hexdigest()[:8]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", corpus.parent.name or "corpus")
        home = IndexHome(
            settings.data_dir / "eval" / f"{name}-{tag}",
            [SourceSpec(corpus, "jsonl")],
            BuildConfig(exact_max=settings.index_exact_max),
        )
        embedder = load_embedder(settings.embedder)
        with RichProgress() as bar:
            store, _ = home.ensure(embedder, bar)
        fusion = replace(
            fusion_for(settings), candidates=max(settings.index_candidates, args.depth * 3)
        )
        searcher = Searcher(store, embedder, fusion, settings.index_max_query_chars)
        queries = collection.queries
        if args.limit:
            judged = [q for q in queries if q in collection.qrels][: args.limit]
            queries = {q: queries[q] for q in judged}
        results = evaluate(searcher, queries, collection.qrels, depth=args.depth)
        if args.json:
            print(
                json.dumps(
                    {
                        "corpus": str(corpus),
                        "passages": store.manifest.passages,
                        "embedder": store.manifest.embedder,
                        "results": results,
                    },
                    indent=2,
                )
            )
        else:
            from index.render import eval_table

            eval_table(prompts, str(corpus), store.manifest.passages, results)
        return 0

    return _run(args, body)
