"""Content ranking, collaborative filtering (train, fold-in, save/load), the blend, alternatives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skills.workout.catalogue import Catalogue
from skills.workout.cf import CFConfig, CFModel, aggregate, train
from skills.workout.profile import Profile
from skills.workout.recommender import Recommender, alternatives, easier, harder
from skills.workout.simulate import evaluate, simulate_feedback

PROFILE = Profile(goal="strength", experience="intermediate", days_per_week=3,
                  minutes_per_session=60, equipment=("barbell", "rack", "bench", "dumbbell"),
                  conditions=())  # fmt: skip


@pytest.fixture(scope="module")
def model(catalogue: Catalogue) -> CFModel:
    # two tribes: one loves the kettlebell swing and push-ups, the other the goblet squat and rows
    tribe_a = [("kettlebell_swing", "liked"), ("push_up", "liked"), ("goblet_squat", "disliked")]
    tribe_b = [("goblet_squat", "liked"), ("one_arm_dumbbell_row", "liked"), ("push_up", "skipped")]
    users = [tribe_a] * 30 + [tribe_b] * 30
    return train(users, [e.id for e in catalogue], CFConfig(factors=4, iterations=10))


def test_content_ranking_follows_the_goal(catalogue: Catalogue) -> None:
    scores = Recommender(catalogue).for_user(PROFILE)
    squats = scores.rank([catalogue["barbell_back_squat"], catalogue["bodyweight_squat"]])
    assert squats[0].id == "barbell_back_squat"  # strength: the loadable lift first
    endurance = Recommender(catalogue).for_user(
        Profile(goal="endurance", experience="intermediate")
    )
    assert endurance.score(catalogue["burpee"]) > endurance.score(catalogue["wall_sit"])
    health = Recommender(catalogue).for_user(Profile(goal="general_health", experience="beginner"))
    assert health.score(catalogue["incline_push_up"]) > health.score(catalogue["diamond_push_up"])


def test_allowed_excludes_equipment_conditions_and_level(catalogue: Catalogue) -> None:
    person = Profile(
        goal="muscle", experience="beginner", equipment=("dumbbell",), conditions=("knee",)
    )
    scores = Recommender(catalogue).for_user(person)
    assert "barbell_back_squat" not in scores.scores  # no barbell
    assert "goblet_squat" not in scores.scores  # knee
    assert "pull_up" not in scores.scores  # advanced, for a beginner
    assert "dumbbell_curl" in scores.scores


def test_cold_start_is_content_only(catalogue: Catalogue, model: CFModel) -> None:
    rec = Recommender(catalogue, model)
    assert rec.weight(0) == 0.0 and rec.weight(8) == pytest.approx(0.35)
    assert rec.weight(100) > rec.weight(10) > rec.weight(1) > 0
    cold = rec.for_user(PROFILE, ())
    assert cold.cf is None and cold.scores == rec.for_user(PROFILE, (), mode="content").scores
    assert Recommender(catalogue).weight(50) == 0.0  # no model, no CF


def test_fold_in_learns_from_other_users(catalogue: Catalogue, model: CFModel) -> None:
    rec = Recommender(catalogue, model)
    person = Profile(goal="general_health", experience="intermediate",
                     equipment=("kettlebell", "dumbbell", "bench"), conditions=())  # fmt: skip
    # a new person who liked the swing looks like tribe A: push-ups over the goblet squat
    scores = rec.for_user(person, [("kettlebell_swing", "liked")] * 3, mode="cf")
    assert scores.score(catalogue["push_up"]) > scores.score(catalogue["goblet_squat"])
    other = rec.for_user(person, [("one_arm_dumbbell_row", "liked")] * 3, mode="cf")
    assert other.score(catalogue["goblet_squat"]) > other.score(catalogue["push_up"])
    hybrid = rec.for_user(person, [("kettlebell_swing", "liked")] * 3)
    assert 0 < hybrid.weight < 0.7


def test_model_save_and_load(tmp_path: Path, model: CFModel) -> None:
    model.card = {"data": "test"}
    path = tmp_path / "cf.npz"
    model.save(path)
    loaded = CFModel.load(path)
    assert loaded.item_ids == model.item_ids and loaded.card == {"data": "test"}
    assert np.allclose(loaded.item_factors, model.item_factors)
    feedback = [("push_up", "liked")]
    assert loaded.scores(feedback) == pytest.approx(model.scores(feedback))
    assert model.scores([("not_an_exercise", "liked"), ("push_up", "meh")]) is None


def test_aggregate_ignores_unknown_values() -> None:
    assert aggregate([("a", "liked"), ("a", "skipped"), ("b", "whatever")]) == {"a": 2.0}


def test_alternatives_share_the_pattern_and_muscles(catalogue: Catalogue) -> None:
    scores = Recommender(catalogue).for_user(PROFILE)
    options = alternatives(catalogue["barbell_back_squat"], scores, catalogue)
    assert options and all(o.pattern == "squat" for o in options[:3])
    assert "barbell_back_squat" not in {o.id for o in options}
    easy = easier(catalogue["barbell_back_squat"], scores, catalogue)
    assert easy[0].id == "goblet_squat"  # the catalogue's regression first
    hard = harder(catalogue["goblet_squat"], scores, catalogue)
    assert hard[0].id == "barbell_back_squat"


def test_simulator_users_give_feedback(catalogue: Catalogue) -> None:
    lists = simulate_feedback(catalogue, 50, seed=3)
    values = {v for feedback in lists for _, v in feedback}
    assert len(lists) == 50 and {"liked", "done", "disliked"} <= values
    assert simulate_feedback(catalogue, 50, seed=3) == lists  # seeded


def test_offline_evaluation_hybrid_beats_the_others(catalogue: Catalogue) -> None:
    result = evaluate(catalogue, users=400, seed=11)
    metrics = result["metrics"]
    assert result["test_users"] > 40
    for method in ("popularity", "content", "cf"):
        assert metrics["hybrid"]["ndcg"] > metrics[method]["ndcg"], metrics
    assert metrics["hybrid_cold"] == metrics["content"]
    assert all(0 <= m["ndcg"] <= m["hit_rate"] <= 1 for m in metrics.values())
