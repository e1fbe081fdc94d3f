"""The image-check skill: a photo of a skin spot in, how soon to see a doctor out.

A message with a picture (web, widget, REST chat, terminal ``/image``) is this skill's: its score
is 0.97, above any text-only claim. A message that only talks about a mole or a photo gets a
lower score and, if it wins, a short request for a photo with how to take it.

Decisions:
    * ``warm_up`` loads the checkpoint once. If it cannot be loaded the skill logs why and answers
      photos with an "unavailable" refusal, so one missing file does not stop the other skills.
    * A picture that passed the channel's checks but still fails to decode (a truncated JPEG
      whose header is intact) is refused as "unreadable" with a reply, not an error.
    * The skill keeps nothing: the photo is not stored, not logged, and not written to disk; the
      reply records only the card, and the manager stores it without the heat map (drawn over
      the photo), which only the live reply carries.
"""

from __future__ import annotations

import atexit
import logging
import threading

from assistant.config import Settings
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import SkillReply, UserMessage
from assistant.validation import InputError
from skills.image_check.card import build_card, refusal_result, reply_text
from skills.image_check.infer import ImageChecker

log = logging.getLogger("vita.image_check")
NAME = "image_check"
# Held while a checkpoint loads. The engine warms skills in a daemon thread; if the interpreter
# exits while that thread is inside torch, the process aborts ("terminate called without an
# active exception"), so an exit handler waits for a load in progress to finish.
_LOADING = threading.Lock()


def _wait_for_loading(timeout: float = 30.0) -> None:
    if _LOADING.acquire(timeout=timeout):
        _LOADING.release()


atexit.register(_wait_for_loading)


class ImageCheckSkill:
    """Checks photos of skin spots with the DermaMNIST-trained CNN."""

    name = NAME
    priority = 3

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.checker: ImageChecker | None = None
        self.error: str | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the checkpoint (idempotent; a failure is logged and remembered)."""
        with self._lock, _LOADING:
            if self.checker is not None:
                return
            try:
                self.checker = ImageChecker.load(
                    self.settings.image_check_checkpoint,
                    min_side=self.settings.image_check_min_side,
                    max_pixels=self.settings.max_image_pixels,
                    threads=self.settings.image_check_threads,
                )
                self.error = None
            except Exception as exc:  # whatever broke, the other skills must keep working
                self.error = str(exc)
                log.error("image check unavailable: %s", exc)

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        if msg.image is not None:
            return 0.97
        nlu = msg.analysis
        image = nlu.score("image")
        if image <= 0:
            return 0.0
        claim = 0.15 + 0.6 * image  # "mole" 0.51, "photo" 0.39
        return claim * 0.5 if nlu.score("question") > 0 and image < 0.6 else claim

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        p = ctx.prompts
        if msg.image is None:
            return SkillReply(p.render("image_check.ask_photo"))
        if self.checker is None:
            self.warm_up()
        checker = self.checker
        if checker is None:
            result = refusal_result("unavailable")
        else:
            try:
                result = checker.check(
                    msg.image.data, with_heatmap=self.settings.image_check_heatmap
                )
            except InputError as err:
                ctx.logger.info("image check: undecodable photo (%s)", err.code)
                result = refusal_result("unreadable")
        return SkillReply(reply_text(result, p), cards=(build_card(result, p),))
