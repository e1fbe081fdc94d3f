"""The triage engine shared by the chat skill, ``vita triage`` and ``POST /api/v1/triage``.

It loads the knowledge base and the checkpoint once (``warm_up``), and turns a complaint plus
answers into a :class:`~skills.triage.assess.Assessment` and the next question. The JSON result
of :meth:`TriageEngine.result` is the documented REST shape.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skills.triage import kb as kb_module
from skills.triage.assess import Assessment, Assessor
from skills.triage.infer import CHECKPOINT, TriageModel
from skills.triage.kb import KnowledgeBase
from skills.triage.questions import Question, next_question
from skills.triage.vocab import wordpiece


class TriageEngine:
    """Knowledge base + model + assessor + question chooser, loaded lazily and once."""

    def __init__(
        self,
        checkpoint: Path = CHECKPOINT,
        kb_path: Path = kb_module.KB_PATH,
        symptoms_path: Path = kb_module.SYMPTOMS_PATH,
    ) -> None:
        self.checkpoint = checkpoint
        self.kb_path = kb_path
        self.symptoms_path = symptoms_path
        self._lock = threading.Lock()
        self._assessor: Assessor | None = None

    def warm_up(self) -> None:
        with self._lock:
            if self._assessor is None:
                kb = kb_module.load(self.kb_path, self.symptoms_path)
                self._assessor = Assessor(TriageModel.load(self.checkpoint), kb)
                wordpiece()  # load the tokenizer now, not during the first complaint (~1 s)

    @property
    def loaded(self) -> bool:
        return self._assessor is not None

    @property
    def assessor(self) -> Assessor:
        if self._assessor is None:
            self.warm_up()
        assert self._assessor is not None
        return self._assessor

    @property
    def kb(self) -> KnowledgeBase:
        return self.assessor.kb

    def assess(
        self,
        text: str,
        age: int | None = None,
        sex: str | None = None,
        answers: Mapping[str, bool] | None = None,
    ) -> Assessment:
        return self.assessor.assess(text, age, sex, answers)

    def question(
        self, assessment: Assessment, age: int | None, sex: str | None, asked: Sequence[str]
    ) -> Question | None:
        known = set(assessment.present) | set(assessment.negated)
        return next_question(assessment.posterior, self.kb, known, asked, age, sex)

    def result(self, a: Assessment, question: Question | None = None) -> dict[str, Any]:
        """The REST/CLI JSON: level, conditions, red flags, attention, next question."""
        out: dict[str, Any] = {
            "level": a.level,
            "model_level": a.model_level,
            "confidence": round(a.confidence, 3),
            "conditions": [
                {"id": c.id, "name": c.name, "icd10": c.icd10, "probability": round(p, 3)}
                for c, p in a.differential
            ],
            "red_flags": [
                {
                    "symptom": f.symptom,
                    "name": self.kb.symptoms[f.symptom].name,
                    "level": f.level,
                    "reason": f.reason,
                }
                for f in a.red_flags
            ],
            "symptoms": {"present": list(a.present), "absent": list(a.negated)},
            "attention": [{"token": w, "weight": round(x, 4)} for w, x in a.attention],
        }
        if question is not None:
            out["next_question"] = {"kind": question.kind, "symptom": question.symptom}
        return out
