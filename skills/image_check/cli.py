"""``vita image-check PATH...``, ``vita train image`` and ``vita eval image``.

* ``vita image-check PATH... [--json] [--heatmap-dir DIR]`` — checks each photo through the same
  path as the chat. With ``--json`` it prints one JSON line per file: ``file``,
  ``probabilities`` (all seven classes), ``top``, ``refused``, ``reason``, ``urgency``,
  ``quality`` (and ``heatmap``, the saved PNG's path, with ``--heatmap-dir``), or ``error``
  ({code, message}) for a file that is not a usable image. Exit status
  0 when every file was read (refusals included), 1 when some could not be.
* ``vita train image [--key=value ...]`` — every :class:`~skills.image_check.train.TrainConfig`
  field is a flag (``--epochs 20``, ``--max-minutes 30``, ``--source medmnist``...). ``--data``
  defaults to the ``image_check_data`` setting (``../shared/data/dermamnist``).
* ``vita eval image [--data PATH] [--photos PATH] [--no-write]`` — test-split and full-size photo
  metrics; writes ``checkpoint/metrics.json``, the model card and the BENCHMARKS.md section.

Heavy imports (torch) happen inside the handlers so ``vita --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.cli import Commands
    from assistant.config import Settings


def register(commands: Commands) -> None:
    check = commands.add("image-check", help="check photos of skin spots (not a diagnosis)")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="JPEG, PNG or WebP")
    check.add_argument("--json", action="store_true", help="one JSON line per photo")
    check.add_argument("--heatmap-dir", type=Path, help="also save each heat map PNG here")
    check.add_argument("--checkpoint", type=Path, help="default: the packaged checkpoint")
    check.set_defaults(handler=_check)

    from skills.image_check.options import TrainConfig

    train = commands.add_train("image", "train the skin-lesion CNN (CPU, about 20-40 minutes)")
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        value = getattr(defaults, f.name)
        if f.name == "data":
            train.add_argument(
                "--data",
                help="DermaMNIST folder, dermamnist.npz, class folders, "
                "or where --source medmnist downloads (default: setting "
                "image_check_data)",
            )
            continue
        train.add_argument(
            f"--{f.name.replace('_', '-')}", dest=f.name, type=type(value), help=f"default {value}"
        )
    train.set_defaults(handler=_train)

    ev = commands.add_eval("image", "test-split metrics, refusals and full-size photos")
    ev.add_argument("--data", type=Path, help="default: setting image_check_data")
    ev.add_argument("--source", default="auto", help="auto, dermamnist, npz, medmnist, classes")
    ev.add_argument(
        "--photos",
        type=Path,
        help="full-size photos in class folders (default ../shared/data/ham10000_sample "
        "when present)",
    )
    ev.add_argument("--checkpoint", type=Path, help="default: the packaged checkpoint")
    ev.add_argument(
        "--no-write",
        action="store_true",
        help="print only; leave metrics.json, the model card and BENCHMARKS.md alone",
    )
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.set_defaults(handler=_eval)


def _settings(args: argparse.Namespace) -> Settings:
    from assistant.cli import settings_from_args

    return settings_from_args(args)


def _check(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.channels.render import render_card
    from assistant.prompts import Prompts
    from assistant.validation import InputError, check_image_bytes
    from skills.image_check.card import build_card
    from skills.image_check.infer import ImageChecker

    settings = _settings(args)
    prompts = Prompts(settings.prompts_dir)
    console = Console()
    try:
        checker = ImageChecker.load(
            args.checkpoint or settings.image_check_checkpoint,
            min_side=settings.image_check_min_side,
            max_pixels=settings.max_image_pixels,
            threads=settings.image_check_threads,
        )
    except (OSError, ValueError) as exc:
        print(f"vita: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.paths:
        try:
            data = _read(path, settings.max_image_bytes)
            check_image_bytes(data, settings)
            result = checker.check(data, with_heatmap=args.heatmap_dir is not None or not args.json)
        except InputError as err:
            failed += 1
            _fail(console, args.json, str(path), err.to_dict(prompts), prompts)
            continue
        except OSError as exc:
            failed += 1
            error = {"code": "file_unreadable", "message": exc.strerror or str(exc)}
            _fail(console, args.json, str(path), error, prompts)
            continue
        saved = None
        if args.heatmap_dir is not None and result.heatmap_png:
            saved = args.heatmap_dir / f"{path.stem}.heatmap.png"
            try:
                args.heatmap_dir.mkdir(parents=True, exist_ok=True)
                saved.write_bytes(result.heatmap_png)
            except OSError as exc:
                print(f"vita: {args.heatmap_dir}: {exc.strerror or exc}", file=sys.stderr)
                return 2
        if args.json:
            extra = {"heatmap": str(saved)} if saved else {}
            print(json.dumps({"file": str(path), **result.to_json(), **extra}), flush=True)
        else:
            console.print(prompts.render("image_check.cli_file", file=str(path)), style="bold")
            console.print(render_card(build_card(result, prompts).to_dict(), prompts))
            if saved:
                console.print(prompts.render("image_check.heatmap_saved", path=str(saved)))
    return 1 if failed else 0


def _read(path: Path, limit: int) -> bytes:
    from assistant.validation import InputError

    with path.expanduser().open("rb") as fh:
        data = fh.read(limit + 1)  # never read a huge file whole
    if len(data) > limit:
        raise InputError("image_too_large", status=413, size=path.stat().st_size, limit=limit)
    return data


def _fail(console: Any, as_json: bool, file: str, error: dict[str, str], prompts: Any) -> None:
    if as_json:
        print(
            json.dumps({"file": file, "refused": True, "reason": "error", "error": error}),
            flush=True,
        )
    else:
        console.print(
            prompts.render("image_check.cli_error", file=file, message=error["message"]),
            style="bold yellow",
        )


def _train(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from skills.image_check.data import DataError
    from skills.image_check.options import TrainConfig
    from skills.image_check.train import train

    settings = _settings(args)
    names = [f.name for f in fields(TrainConfig)]
    overrides = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    overrides.setdefault("data", str(settings.image_check_data))
    try:
        cfg = TrainConfig.from_overrides(overrides)
    except ValueError as exc:
        print(f"vita: {exc}", file=sys.stderr)
        return 2
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns) as progress:
            train(cfg, progress=progress, log=progress.console.print)
    except DataError as exc:
        print(f"vita: {exc}", file=sys.stderr)
        return 2
    return 0


def _eval(args: argparse.Namespace) -> int:
    from skills.image_check.data import DataError
    from skills.image_check.evaluate import evaluate_photos, evaluate_split
    from skills.image_check.infer import ImageChecker, load_checkpoint
    from skills.image_check.modelcard import save_metrics, summary, write_card

    settings = _settings(args)
    path = args.checkpoint or settings.image_check_checkpoint
    try:
        predictor, record = load_checkpoint(path)
    except (OSError, ValueError) as exc:
        print(f"vita: {exc}", file=sys.stderr)
        return 2
    data = args.data or settings.image_check_data
    try:
        test = evaluate_split(predictor, data, args.source)
    except DataError as exc:
        print(f"vita: {exc}", file=sys.stderr)
        return 2
    photos_dir = args.photos or data.parent / "ham10000_sample"
    photos = None
    if photos_dir.is_dir():
        checker = ImageChecker(
            predictor,
            settings.image_check_min_side,
            settings.max_image_pixels,
            settings.image_check_threads,
        )
        photos = evaluate_photos(checker, photos_dir)
    evaluation: dict[str, Any] = {"test": test, "photos": photos}
    if args.json:
        print(json.dumps(evaluation, indent=2))
    else:
        print(summary(test, photos))
    if not args.no_write:
        refusal = {k: v for k, v in (predictor.refusal or {}).items() if k != "stats"}
        save_metrics(path.parent / "metrics.json", evaluation)
        write_card(path.parent / "MODEL_CARD.md", record | {"ood": refusal}, evaluation)
        try:  # BENCHMARKS.md lives in a source checkout, not in an installed package
            from benchmarks.report import write_section
        except ImportError:
            return 0
        write_section(
            "Image check: DermaMNIST test split", "vita eval image", summary(test, photos)
        )
    return 0
