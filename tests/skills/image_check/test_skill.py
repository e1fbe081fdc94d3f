"""The skill: routing scores, replies with cards, refusals, and a missing checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import ImageCheckCard, ImageData, NLUResult, UserMessage
from skills.image_check.skill import ImageCheckSkill
from tests.skills.image_check.photos import encode, skin_photo


def _msg(
    text: str = "", image: bytes | None = None, intents: dict[str, float] | None = None
) -> UserMessage:
    picture = ImageData(data=image, mime="image/jpeg") if image is not None else None
    return UserMessage("s" * 16, text, image=picture, nlu=NLUResult(intents=intents or {}))


def _ctx(settings: Settings) -> SkillContext:
    return SkillContext(settings=settings, prompts=Prompts(settings.prompts_dir))


def test_score_is_high_with_a_picture_and_modest_for_words(image_settings: Settings) -> None:
    skill = ImageCheckSkill(image_settings)
    state = DialogueState("s" * 16)
    assert skill.score(_msg(image=b"x"), state) >= 0.95
    assert skill.score(_msg("hello", intents={"greet": 0.9}), state) == 0.0
    mole = skill.score(_msg("can you look at my mole", intents={"image": 0.6}), state)
    assert image_settings.router_threshold <= mole < 0.95
    question = skill.score(_msg("what is a photo?", intents={"image": 0.4, "question": 0.4}), state)
    assert question < image_settings.router_threshold


def test_photo_gets_a_card_with_three_classes_action_heatmap_and_notice(
    image_settings: Settings,
) -> None:
    skill = ImageCheckSkill(image_settings)
    skill.warm_up()
    reply = skill.run(
        _msg(image=encode(skin_photo(1))), DialogueState("s" * 16), _ctx(image_settings)
    )
    (card,) = reply.cards
    assert isinstance(card, ImageCheckCard) and card.refusal is None
    assert len(card.classes) == 3 and card.classes[0].probability >= card.classes[1].probability
    assert all(c.code and c.name != c.code for c in card.classes)  # plain-language names
    assert card.urgency in ("doctor_2_weeks", "routine", "monitor")
    assert card.heatmap_png_base64 and card.disclaimer.startswith("This is not a diagnosis")
    assert any("Asymmetry" in a for a in card.advice)
    assert "not a diagnosis" in reply.text and reply.done


def test_cancer_classes_get_the_two_week_action(image_settings: Settings) -> None:
    p = Prompts(image_settings.prompts_dir)
    assert p.render("image_check.actions.doctor_2_weeks") == (
        "Have this checked by a doctor within 2 weeks."
    )


def test_blurry_and_undecodable_photos_are_refused_with_a_reason(image_settings: Settings) -> None:
    skill = ImageCheckSkill(image_settings)
    ctx = _ctx(image_settings)
    blurry = np.asarray(Image.fromarray(skin_photo(2)).filter(ImageFilter.GaussianBlur(8)))
    reply = skill.run(_msg(image=encode(blurry)), DialogueState("s" * 16), ctx)
    (card,) = reply.cards
    assert isinstance(card, ImageCheckCard) and card.classes == ()
    assert card.refusal_reason == "too_blurry" and "10 cm" in (card.refusal or "")
    assert card.heatmap_png_base64 is None and "not a diagnosis" in reply.text
    data = encode(skin_photo(3))
    truncated = skill.run(_msg(image=data[: len(data) // 3]), DialogueState("s" * 16), ctx)
    assert truncated.cards[0].refusal_reason == "unreadable"  # type: ignore[attr-defined]


def test_words_without_a_photo_ask_for_one(image_settings: Settings) -> None:
    reply = ImageCheckSkill(image_settings).run(_msg("check my mole"), DialogueState("s" * 16),
                                                _ctx(image_settings))  # fmt: skip
    assert "photo" in reply.text and not reply.cards


def test_missing_checkpoint_answers_unavailable(image_settings: Settings, tmp_path: Path) -> None:
    settings = image_settings.replace(image_check_checkpoint=tmp_path / "nope.pt")
    skill = ImageCheckSkill(settings)
    skill.warm_up()
    assert skill.error and "nope.pt" in skill.error
    reply = skill.run(_msg(image=encode(skin_photo(4))), DialogueState("s" * 16), _ctx(settings))
    assert reply.cards[0].refusal_reason == "unavailable"  # type: ignore[attr-defined]


def test_leaving_right_after_start_does_not_abort(lenient_checkpoint: Path, tmp_path: Path) -> None:
    """The warm-up runs in a daemon thread; exiting mid-load must not kill the process."""
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path; from fastapi.testclient import TestClient\n"
        "from assistant.server import create_app; from assistant.testing import settings_for_tests\n"
        "s = settings_for_tests(Path(sys.argv[1]), skills='smalltalk,image_check',"
        " image_check_checkpoint=Path(sys.argv[2]))\n"
        "with TestClient(create_app(s)) as c: c.get('/healthz')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(lenient_checkpoint)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
