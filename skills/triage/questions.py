"""Choosing the next follow-up question.

Order of priority, as a careful clinician would ask:

1. Red flags of the leading candidates (the three most likely conditions with at least 5%
   probability, and any emergency or urgent condition with at least 5%) that the person has not mentioned yet: the
   one whose "yes" would raise the level most, then the most probable.
2. Age, then sex, when unknown and they matter: when the candidates with at least 5%
   probability disagree about who they can affect (age: one of them is only for children or
   only for adults; sex: one of them affects only one sex).
3. The symptom with the greatest expected information gain over the current differential:
   ``H(P) - [P(yes) H(P | yes) + P(no) H(P | no)]`` with the knowledge base's frequencies.

At most ``MAX_QUESTIONS`` (6) questions are asked; none is asked twice; the caller stops earlier
when the person says "just tell me" or the differential is already settled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from skills.triage.assess import EPSILON
from skills.triage.kb import KnowledgeBase, level_rank

MAX_QUESTIONS = 6
MIN_GAIN = 0.02  # bits: below this a question is not worth the person's time
SETTLED = 0.9  # stop asking when the leading condition is this likely and no red flag is open


@dataclass(frozen=True)
class Question:
    kind: str  # "red_flag" | "symptom" | "age" | "sex"
    symptom: str | None = None
    gain: float = 0.0


def entropy(probs: Sequence[float]) -> float:
    return -sum(p * math.log2(p) for p in probs if p > 0)


def _update(
    posterior: Mapping[str, float], kb: KnowledgeBase, sid: str, yes: bool
) -> tuple[float, list[float]]:
    """P(answer) and the posterior after it."""
    weights = []
    for cid, p in posterior.items():
        q = min(kb.condition(cid).symptoms.get(sid, EPSILON), 0.98)
        weights.append(p * (q if yes else 1 - q))
    total = sum(weights)
    return total, [w / total for w in weights] if total > 0 else weights


def information_gain(posterior: Mapping[str, float], kb: KnowledgeBase, sid: str) -> float:
    p_yes, after_yes = _update(posterior, kb, sid, True)
    p_no, after_no = _update(posterior, kb, sid, False)
    return entropy(list(posterior.values())) - (
        p_yes * entropy(after_yes) + p_no * entropy(after_no)
    )


def next_question(
    posterior: Mapping[str, float],
    kb: KnowledgeBase,
    known: set[str],
    asked: Sequence[str],
    age: int | None,
    sex: str | None,
) -> Question | None:
    """The next question, or None when no question is worth asking. ``known``: symptom ids
    already said or answered; ``asked``: keys of questions asked ("age", "sex", symptom ids)."""
    if len(asked) >= MAX_QUESTIONS:
        return None
    ranked = sorted(posterior.items(), key=lambda kv: -kv[1])
    done = known | set(asked)
    flag = _red_flag(ranked, kb, done)
    if flag is not None:
        return flag
    relevant = [kb.condition(cid) for cid, p in ranked if p >= 0.05]
    ages_differ = len({(c.age_min, c.age_max) for c in relevant}) > 1
    age_matters = any(c.age_max <= 16 or c.age_min >= 16 for c in relevant)  # child vs adult
    if age is None and "age" not in asked and ages_differ and age_matters:
        return Question("age")
    if sex is None and "sex" not in asked and len({c.sex for c in relevant}) > 1:
        return Question("sex")
    if ranked and ranked[0][1] >= SETTLED:
        return None
    candidates = {sid for cid, p in ranked[:8] for sid in kb.condition(cid).symptoms} - done
    scored = [(information_gain(posterior, kb, sid), sid) for sid in sorted(candidates)]
    if not scored:
        return None
    gain, sid = max(scored)
    return Question("symptom", sid, gain) if gain >= MIN_GAIN else None


def _red_flag(
    ranked: Sequence[tuple[str, float]], kb: KnowledgeBase, done: set[str]
) -> Question | None:
    leading = [cid for cid, p in ranked[:3] if p >= 0.05]
    leading += [
        cid for cid, p in ranked[3:] if p >= 0.05 and level_rank(kb.condition(cid).level) >= 2
    ]
    best: tuple[int, float, str] | None = None
    prob = dict(ranked)
    for cid in leading:
        cond = kb.condition(cid)
        for flag in cond.red_flags:
            if flag.symptom in done or level_rank(flag.level) <= level_rank(cond.level):
                continue
            key = (level_rank(flag.level), prob[cid], flag.symptom)
            if best is None or key[:2] > best[:2]:
                best = key
    return Question("red_flag", best[2]) if best else None
