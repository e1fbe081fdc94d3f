"""What the skill, the REST endpoint and the command line share: catalogue, model, checked plans.

:class:`WorkoutService` is built from settings (cheap) and ``warm_up`` loads the catalogue and,
when one has been trained, the collaborative-filtering model. :func:`make_plan` is the only way a
plan reaches a person: it validates the plan, logs any violation as the bug it is, retries
without the collaborative scores, and raises :class:`PlanInvalid` rather than return a plan
that breaks a rule.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from assistant.config import Settings
from skills.workout.catalogue import Catalogue, load_catalogue
from skills.workout.cf import CFModel
from skills.workout.feedback import FeedbackStore
from skills.workout.plan import Plan
from skills.workout.planner import build_plan
from skills.workout.profile import Profile
from skills.workout.recommender import Recommender
from skills.workout.validate import Violation, validate

log = logging.getLogger("vita.workout")


class PlanInvalid(RuntimeError):
    """No valid plan could be built; ``violations`` says which rules broke."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__("; ".join(str(v) for v in violations[:5]))
        self.violations = list(violations)


def make_plan(
    profile: Profile,
    catalogue: Catalogue,
    recommender: Recommender | None = None,
    feedback: Sequence[tuple[str, str]] = (),
) -> Plan:
    """A validated plan (see the module docstring); raises :class:`PlanInvalid`."""
    plan = build_plan(profile, catalogue, recommender, feedback)
    violations = validate(plan, profile)
    if not violations:
        return plan
    log.error("workout plan failed validation (a planner bug): %s", "; ".join(map(str, violations)))
    plan = build_plan(profile, catalogue, Recommender(catalogue), ())
    violations = validate(plan, profile)
    if violations:
        raise PlanInvalid(violations)
    return plan


def model_path(settings: Settings) -> Path:
    """Where ``vita train workout`` writes the CF model (``workout_model`` overrides)."""
    return (
        Path(settings.workout_model)
        if settings.workout_model
        else settings.data_dir / "workout" / "cf.npz"
    )


def feedback_path(settings: Settings) -> Path:
    return settings.data_dir / "workout" / "feedback.sqlite3"


class WorkoutService:
    """Catalogue + recommender + feedback store for one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._catalogue: Catalogue | None = None
        self._recommender: Recommender | None = None
        self._feedback: FeedbackStore | None = None

    def warm_up(self) -> None:
        """Load the catalogue and the CF model if there is one (idempotent)."""
        with self._lock:
            if self._catalogue is not None:
                return
            source = self.settings.workout_catalogue
            if source.lower().endswith(".json"):  # a free-exercise-db file, imported on the fly
                from skills.workout.importer import import_file

                catalogue, _ = import_file(Path(source))
            else:
                catalogue = load_catalogue(source or None)
            model = None
            path = model_path(self.settings)
            if path.is_file():
                try:
                    model = CFModel.load(path)
                    log.info("workout CF model loaded from %s", path)
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("ignoring unreadable workout CF model %s: %s", path, exc)
            self._recommender = Recommender(
                catalogue, model, half_feedback=self.settings.workout_cf_half_feedback
            )
            self._catalogue = catalogue

    @property
    def catalogue(self) -> Catalogue:
        self.warm_up()
        assert self._catalogue is not None
        return self._catalogue

    @property
    def recommender(self) -> Recommender:
        self.warm_up()
        assert self._recommender is not None
        return self._recommender

    @property
    def feedback(self) -> FeedbackStore:
        if self._feedback is None:
            self._feedback = FeedbackStore(feedback_path(self.settings))
        return self._feedback

    def plan(self, profile: Profile, feedback: Sequence[tuple[str, str]] = ()) -> Plan:
        """A validated plan for a profile and a person's feedback (raises PlanInvalid)."""
        return make_plan(profile, self.catalogue, self.recommender, feedback)

    def stored_feedback(self) -> FeedbackStore | None:
        """The feedback store if its file exists (export and erase never create it)."""
        if self._feedback is None and not feedback_path(self.settings).is_file():
            return None
        return self.feedback

    def record(self, user: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Store feedback for the cross-user model; a storage failure is logged, not raised."""
        if not pairs:
            return
        try:
            self.feedback.add(user, pairs)
        except Exception:  # feedback is a nice-to-have; the conversation must go on
            log.exception("could not store workout feedback")
