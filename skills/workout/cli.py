"""``vita plan``, ``vita workout import|check``, ``vita train workout`` and ``vita eval workout``.

* ``vita plan --goal muscle --days 4 --minutes 45 --equipment dumbbell,bench --condition knee``
  prints the plan (rich tables); ``--json``, ``--md`` or ``--csv`` print that format instead,
  ``--ics FILE`` writes a calendar, ``--profile FILE.json`` reads the profile from a file
  (flags given as well override it), ``-o FILE`` writes the output to a file.
* ``vita workout import exercises.json -o catalogue.yaml`` converts a free-exercise-db file and
  prints what was mapped, defaulted and skipped; ``vita workout check [FILE]`` validates a
  catalogue (the packaged one by default).
* ``vita train workout [--simulate N]`` trains the collaborative-filtering model from the stored
  feedback, or from N simulated users; ``vita eval workout`` runs the offline evaluation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.cli import Commands


def register(commands: Commands) -> None:
    plan = commands.add(
        "plan",
        help="make a four-week workout plan from a profile",
        description="Make a four-week workout plan (3 progressive weeks + a deload) for a profile.",
    )
    plan.add_argument("--profile", type=Path, help="a JSON file with the profile fields")
    plan.add_argument(
        "--goal",
        choices=["fat_loss", "muscle", "strength", "endurance", "general_health", "mobility"],
    )
    plan.add_argument("--experience", choices=["beginner", "intermediate", "advanced"])
    plan.add_argument("--days", type=int, help="training days per week (1-7)")
    plan.add_argument("--minutes", type=int, help="minutes per session (10-180)")
    plan.add_argument(
        "--equipment",
        help='comma-separated (dumbbell,bench; full_gym) or words ("dumbbells and a bench")',
    )
    plan.add_argument(
        "--condition",
        action="append",
        default=[],
        help="an injury or condition to plan around (knee, shoulder, lower_back, wrist, ankle, hip, neck, pregnancy, high_blood_pressure); repeatable or comma-separated",
    )
    plan.add_argument("--catalogue", type=Path, help="an exercise catalogue YAML to use")
    out = plan.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan JSON")
    out.add_argument("--md", action="store_true", help="print the plan as Markdown")
    out.add_argument("--csv", action="store_true", help="print the plan as CSV")
    out.add_argument("--ics", type=Path, metavar="FILE", help="write an iCalendar file")
    plan.add_argument("-o", "--output", type=Path, help="write the output to this file")
    plan.set_defaults(handler=_plan)

    workout = commands.add("workout", help="manage the exercise catalogue (import, check)")
    workout.set_defaults(handler=_usage(workout))
    sub = workout.add_subparsers(dest="workout_command", metavar="ACTION")
    imp = sub.add_parser(
        "import",
        help="convert a free-exercise-db exercises.json into a catalogue YAML",
        description="Convert a free-exercise-db exercises.json into our catalogue schema.",
    )
    imp.add_argument("path", type=Path, help="the exercises.json to read")
    imp.add_argument("-o", "--output", type=Path, required=True, help="the YAML file to write")
    imp.set_defaults(handler=_import)
    check = sub.add_parser(
        "check", help="validate a catalogue YAML", description="Validate a catalogue YAML."
    )
    check.add_argument("path", type=Path, nargs="?", help="default: the packaged catalogue")
    check.set_defaults(handler=_check)

    train = commands.add_train(
        "workout", help="train the workout recommender (collaborative filtering)"
    )
    train.add_argument(
        "--simulate",
        type=int,
        metavar="USERS",
        help="train on this many simulated users instead of the stored feedback",
    )
    train.add_argument("--factors", type=int, default=24, help="latent factors (default 24)")
    train.add_argument("--iterations", type=int, default=15, help="ALS sweeps (default 15)")
    train.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    train.add_argument("-o", "--output", type=Path, help="model file (default: the setting)")
    train.set_defaults(handler=_train)

    ev = commands.add_eval("workout", help="offline evaluation of the workout recommender")
    ev.add_argument("--users", type=int, default=1200, help="simulated users (default 1200)")
    ev.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.set_defaults(handler=_eval)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def _fail(message: str) -> int:
    print(f"vita: {message}", file=sys.stderr)
    return 2


def _profile_data(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if args.profile:
        try:
            loaded = json.loads(args.profile.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read {args.profile}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.profile}: the profile must be a JSON object")
        data.update(
            loaded.get("profile", loaded) if isinstance(loaded.get("profile"), dict) else loaded
        )
    flags = {
        "goal": args.goal,
        "experience": args.experience,
        "days_per_week": args.days,
        "minutes_per_session": args.minutes,
        "equipment": args.equipment,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    conditions = [c.strip() for item in args.condition for c in item.split(",") if c.strip()]
    if conditions:
        data["conditions"] = conditions
    return data


def _plan(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.channels.render import render_card
    from assistant.cli import settings_from_args
    from assistant.prompts import Prompts
    from assistant.validation import InputError
    from skills.workout.api import parse_profile
    from skills.workout.card import plan_card, plan_text
    from skills.workout.catalogue import CatalogueError
    from skills.workout.export import to_csv, to_ics, to_markdown
    from skills.workout.plan import plan_to_dict
    from skills.workout.service import PlanInvalid, WorkoutService

    extra = {"workout_catalogue": str(args.catalogue)} if args.catalogue else {}
    settings = settings_from_args(args, **extra)
    prompts = Prompts(settings.prompts_dir)
    try:
        profile = parse_profile(_profile_data(args), prompts)
        plan = WorkoutService(settings).plan(profile.filled())
    except InputError as err:
        return _fail(err.message(prompts))
    except (ValueError, CatalogueError) as err:
        return _fail(str(err))
    except PlanInvalid as err:
        return _fail(f"no valid plan: {err}")
    if args.ics:
        args.ics.write_bytes(to_ics(plan, prompts))
        print(str(args.ics))
        return 0
    text: str | None = None
    if args.json:
        text = json.dumps(plan_to_dict(plan, prompts), indent=2)
    elif args.md:
        text = to_markdown(plan, prompts)
    elif args.csv:
        text = to_csv(plan, prompts)
    if text is not None:
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    console = Console(record=bool(args.output))
    from rich.markdown import Markdown

    console.print(Markdown(plan_text(plan, prompts)))
    console.print(render_card(plan_card(plan, prompts).to_dict(), prompts))
    if args.output:
        args.output.write_text(console.export_text(), encoding="utf-8")
    return 0


def _import(args: argparse.Namespace) -> int:
    from skills.workout.catalogue import CatalogueError
    from skills.workout.importer import import_file, write_catalogue

    try:
        catalogue, report = import_file(args.path)
        write_catalogue(catalogue, args.output)
    except CatalogueError as err:
        return _fail(str(err))
    except OSError as err:
        return _fail(f"cannot write {args.output}: {err}")
    print("\n".join(report.lines()))
    print(f'wrote {args.output}; use it with workout_catalogue = "{args.output}" in vita.toml')
    return 0


def _check(args: argparse.Namespace) -> int:
    from collections import Counter

    from skills.workout.catalogue import CatalogueError, load_catalogue

    try:
        catalogue = load_catalogue(args.path)
    except CatalogueError as err:
        return _fail(str(err))
    kinds = Counter(e.kind for e in catalogue)
    summary = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    print(f"{catalogue.source}: {len(catalogue)} exercises, valid ({summary})")
    return 0


def _train(args: argparse.Namespace) -> int:
    from assistant.cli import settings_from_args
    from skills.workout.train import TrainError, train_model

    settings = settings_from_args(args)
    try:
        path, card = train_model(
            settings,
            simulate=args.simulate,
            factors=args.factors,
            iterations=args.iterations,
            seed=args.seed,
            output=args.output,
        )
    except TrainError as err:
        return _fail(str(err))
    print(f"wrote {path} ({card['users']} users, {card['events']} feedback events)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from assistant.cli import settings_from_args
    from skills.workout.catalogue import load_catalogue
    from skills.workout.simulate import evaluate, metrics_table

    settings = settings_from_args(args)
    catalogue = load_catalogue(settings.workout_catalogue or None)
    result = evaluate(catalogue, users=args.users, seed=args.seed, progress=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(metrics_table(result))
    return 0
