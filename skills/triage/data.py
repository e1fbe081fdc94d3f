"""The case generator: synthetic patients sampled from the knowledge base, in many voices.

Each :class:`Case` is one person: a condition, an age and sex that fit it, a subset of its
symptoms drawn by their frequencies (sometimes with one of its red flags), durations, symptoms
they do *not* have (negations), now and then a distractor symptom, and the complaint written in
one of five voices (first person, rambling, about someone else, terse, a clinician's summary)
with lay or clinical words and, in a quarter of cases, typos.

Targets follow the model's output grammar: the triage level (the condition's level, raised by
any red flag present), then the true condition, then the two most likely alternatives under a
naive-Bayes reading of the same findings (so the decoder learns to write a ranked differential).

Hold-out: every fifth sentence pattern of each voice and about a quarter of each symptom's
synonyms are used only in validation cases, so validation measures phrasing never seen in
training. The generator is seeded; the same seed gives the same cases.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from skills.triage import voices
from skills.triage.kb import Condition, KnowledgeBase, max_level

SPLITS = ("train", "val")
EPSILON = 0.01  # chance of reporting a symptom that the KB does not list for the condition


@dataclass(frozen=True)
class Case:
    text: str
    condition: str
    level: str
    alternatives: tuple[str, ...]
    age: int
    sex: str
    present: tuple[str, ...]
    negated: tuple[str, ...]
    voice: str
    split: str

    @property
    def target(self) -> tuple[str, ...]:
        """The output sequence without the end token: level, condition, alternatives."""
        return (self.level, self.condition, *self.alternatives)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _held_out(key: str, every: int) -> bool:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % every == 0


def split_of_pattern(index: int) -> str:
    return "val" if index % 5 == 4 else "train"


class CaseGenerator:
    """Samples :class:`Case` objects; ``split`` picks the patterns and synonyms it may use."""

    def __init__(self, kb: KnowledgeBase, seed: int = 0) -> None:
        self.kb = kb
        self.rng = random.Random(seed)
        self.symptom_ids = tuple(kb.symptoms)
        # Distractors are harmless extras: never a red flag, never a mainstay of an urgent or
        # emergency condition (a case must not teach the model to ignore a danger sign).
        serious = {
            sid
            for c in kb.conditions
            if c.level in ("urgent", "emergency")
            for sid, p in c.symptoms.items()
            if p >= 0.3
        }
        self.distractors = tuple(
            s for s in self.symptom_ids if s not in serious | kb.red_flag_symptoms
        )
        self._phrases = {split: self._phrase_table(split) for split in SPLITS}
        self._patterns = {
            split: {
                voice: [p for i, p in enumerate(ps) if split_of_pattern(i) == split]
                for voice, ps in voices.VOICES.items()
            }
            for split in SPLITS
        }
        index = {sid: i for i, sid in enumerate(self.symptom_ids)}
        probs = np.full((len(kb.conditions), len(index)), EPSILON, dtype=np.float64)
        for row, cond in enumerate(kb.conditions):
            for sid, p in cond.symptoms.items():
                probs[row, index[sid]] = min(p, 0.99)
        self._index = index
        self._log_p = np.log(probs)
        self._log_not_p = np.log1p(-probs)
        self._log_prior = np.log([c.prior for c in kb.conditions])

    # ------------------------------------------------------------------ phrases

    def _phrase_table(self, split: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        """symptom id -> (lay phrases, clinical phrases) usable in ``split``."""
        table: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for sid, sym in self.kb.symptoms.items():
            lay = [s for s in sym.synonyms if s not in (sym.name, sym.clinical)]
            held = [s for s in lay if _held_out(f"{sid}:{s}", 4)] if len(lay) >= 4 else []
            if len(lay) >= 4 and not held:  # every symptom with enough words keeps one back
                held = [lay[-1]]
            if len(lay) - len(held) < 2:
                held = held[: max(0, len(lay) - 2)]
            lay = (held or lay) if split == "val" else [s for s in lay if s not in held]
            table[sid] = (tuple(lay) or (sym.name,), (sym.clinical, sym.name))
        return table

    def phrase(self, sid: str, split: str, clinical: bool) -> str:
        lay, formal = self._phrases[split][sid]
        if clinical:
            return self.rng.choice(formal)
        roll = self.rng.random()
        if roll < 0.7:
            return self.rng.choice(lay)
        return formal[1] if roll < 0.92 else formal[0]

    # ------------------------------------------------------------------ sampling

    def sample(
        self, split: str = "train", condition: Condition | None = None, by_prevalence: bool = False
    ) -> Case:
        """One case. Conditions are drawn uniformly (so the model sees rare ones as often as
        common ones), or, with ``by_prevalence``, in proportion to how common they are, as people
        who consult a symptom checker would be (the calibration population)."""
        rng = self.rng
        if condition is not None:
            cond = condition
        elif by_prevalence:
            cond = rng.choices(self.kb.conditions, weights=[c.prior for c in self.kb.conditions])[0]
        else:
            cond = rng.choice(self.kb.conditions)
        age, sex = self._person(cond)
        present = self._symptoms(cond)
        level = cond.level
        if cond.red_flags and rng.random() < 0.2:
            flag = rng.choice(cond.red_flags)
            if flag.symptom not in present:
                present.append(flag.symptom)
        negated = self._negations(cond, present)
        if rng.random() < 0.2:
            extra = rng.choice(self.distractors or self.symptom_ids)
            if extra not in present and extra not in negated and extra not in cond.absent:
                present.append(extra)
        for flag in cond.red_flags:
            if flag.symptom in present:
                level = max_level(level, flag.level)
        rng.shuffle(present)
        voice = rng.choices(
            list(voices.VOICE_WEIGHTS), weights=list(voices.VOICE_WEIGHTS.values())
        )[0]
        if age < 13 and voice in ("first_person", "rambling"):
            voice = "third_person"
        text = self._write(cond, voice, split, age, sex, present, negated)
        alternatives = self.differential(present, negated, age, sex, exclude=cond.id, k=2)
        return Case(
            text=text,
            condition=cond.id,
            level=level,
            alternatives=tuple(alternatives),
            age=age,
            sex=sex,
            present=tuple(present),
            negated=tuple(negated),
            voice=voice,
            split=split,
        )

    def _person(self, cond: Condition) -> tuple[int, str]:
        rng = self.rng
        lo, hi = cond.age_typical if rng.random() < 0.85 else (cond.age_min, cond.age_max)
        age = rng.randint(max(lo, cond.age_min), max(min(hi, cond.age_max), max(lo, cond.age_min)))
        sex = cond.sex if cond.sex != "any" else rng.choice(("female", "male"))
        return age, sex

    def _symptoms(self, cond: Condition) -> list[str]:
        rng = self.rng
        chosen = [sid for sid, p in cond.symptoms.items() if rng.random() < p]
        if not chosen:  # everyone who asks has at least one complaint: take the commonest
            chosen = [max(cond.symptoms, key=lambda s: cond.symptoms[s])]
        rng.shuffle(chosen)
        return chosen[: rng.choice((2, 3, 3, 4, 4, 5, 6))]

    def _negations(self, cond: Condition, present: Sequence[str]) -> list[str]:
        rng = self.rng
        pool = [s for s in cond.absent if s not in present]
        pool += [s for s, p in cond.symptoms.items() if p < 0.35 and s not in present]
        rng.shuffle(pool)
        return pool[: rng.choice((0, 0, 1, 1, 2))]

    def differential(
        self,
        present: Sequence[str],
        negated: Sequence[str],
        age: int | None,
        sex: str | None,
        exclude: str | None = None,
        k: int = 3,
    ) -> list[str]:
        """The ``k`` conditions a naive-Bayes reading of the findings ranks highest."""
        score = self._log_prior.copy()
        for sid in present:
            score += self._log_p[:, self._index[sid]]
        for sid in negated:
            score += self._log_not_p[:, self._index[sid]]
        for row, cond in enumerate(self.kb.conditions):
            if not cond.fits(age, sex) or cond.id == exclude:
                score[row] = -math.inf
        order = [i for i in np.argsort(-score)[:k] if np.isfinite(score[i])]
        return [self.kb.conditions[i].id for i in order]

    # ------------------------------------------------------------------ writing

    def _write(
        self,
        cond: Condition,
        voice: str,
        split: str,
        age: int,
        sex: str,
        present: Sequence[str],
        negated: Sequence[str],
    ) -> str:
        rng = self.rng
        clinical = voice == "clinical" or (voice == "terse" and rng.random() < 0.3)
        phrases = [_own(self.phrase(s, split, clinical)) for s in present]
        if voice in ("third_person", "clinical"):
            phrases = [_third_person(p, sex) for p in phrases]
        who, pron = self._relative(age, sex)
        days = self._days(cond)
        slots = {
            "syms": _join(phrases, rng),
            "neg": self._negation(negated, split, voice, sex),
            "age": _age_words(age),
            "who": who,
            "who_cap": who[:1].upper() + who[1:],
            "pron": pron,
            "pron_cap": pron.capitalize(),
            "sex": "woman" if sex == "female" else "man",
            "sex_cap": "Woman" if sex == "female" else "Man",
            "sexl": "F" if sex == "female" else "M",
            "onset": rng.choice(voices.ONSET_SUDDEN)
            if cond.onset == "sudden" and rng.random() < 0.6
            else "",
            **_durations(days, rng),
        }
        if age < 1 and voice == "clinical":
            slots["sex"] = "infant girl" if sex == "female" else "infant boy"
        patterns = self._patterns[split][voice]
        if age < 4:  # babies and toddlers do not tell or complain
            patterns = [
                p for p in patterns if "told me" not in p and "complaining" not in p
            ] or patterns
        text = rng.choice(patterns).format(**slots)
        return _noise(re.sub(r"\s+", " ", text).strip(), rng)

    def _relative(self, age: int, sex: str) -> tuple[str, str]:
        rng = self.rng
        female = sex == "female"
        if age < 2:
            pool = voices.RELATIVES_BABY
        elif age < 16:
            pool = voices.RELATIVES_CHILD_F if female else voices.RELATIVES_CHILD_M
        elif age >= 65:
            pool = voices.RELATIVES_OLD_F if female else voices.RELATIVES_OLD_M
        elif age >= 45:
            pool = voices.RELATIVES_MIDDLE_F if female else voices.RELATIVES_MIDDLE_M
        else:
            pool = voices.RELATIVES_ADULT_F if female else voices.RELATIVES_ADULT_M
        return rng.choice(pool), "she" if female else "he"

    def _days(self, cond: Condition) -> float:
        lo, hi = cond.duration_days
        lo, hi = max(lo, 0.02), max(hi, lo, 0.02)
        return math.exp(self.rng.uniform(math.log(lo), math.log(hi)))

    def _negation(self, negated: Sequence[str], split: str, voice: str, sex: str) -> str:
        if not negated:
            return ""
        rng = self.rng
        clinical = voice == "clinical"
        # noun phrases read best after "no"/"denies" ("no cough", not "no can't stop coughing")
        names = [
            self.kb.symptoms[s].clinical if clinical else self.kb.symptoms[s].name for s in negated
        ]
        if voice in ("third_person", "clinical"):
            names = [_third_person(n, sex) for n in names]
        if clinical:
            pattern = rng.choice(voices.NEGATIONS_CLINICAL)
        elif voice == "third_person":
            pattern = rng.choice(voices.NEGATIONS_THIRD)
        else:
            pattern = rng.choice(voices.NEGATIONS_LAY)
        joiner = (
            " or "
            if pattern.startswith(("Denies", "I don't", "Not got", "Without"))
            else " and no "
        )
        subject = "She" if sex == "female" else "He"
        sentence = pattern.replace("{x}", joiner.join(names)).replace("{subject}", subject)
        return sentence + " "

    def stream(self, n: int, split: str, by_prevalence: bool = False) -> Iterator[Case]:
        for _ in range(n):
            yield self.sample(split, by_prevalence=by_prevalence)


_FIRST_PERSON = {
    "my": ("her", "his"),
    "i": ("she", "he"),
    "i'm": ("she's", "he's"),
    "i've": ("she's", "he's"),
    "me": ("her", "him"),
}


def _own(phrase: str) -> str:
    """Lexicon phrases written to the reader ("your life") as the speaker's ("my life")."""
    return re.sub(r"\byour\b", "my", phrase, flags=re.IGNORECASE)


def _third_person(phrase: str, sex: str) -> str:
    """'can't catch my breath' -> 'can't catch his breath' for complaints about someone else."""
    pick = 0 if sex == "female" else 1
    phrase = _own(phrase)

    def swap(match: re.Match[str]) -> str:
        return _FIRST_PERSON[match.group(0).lower()][pick]

    return re.sub(r"\b(?:my|i'm|i've|i|me)\b", swap, phrase, flags=re.IGNORECASE)


def _join(parts: Sequence[str], rng: random.Random) -> str:
    if len(parts) == 1:
        return parts[0]
    style = rng.random()
    if style < 0.6:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    if style < 0.8:
        return ", ".join(parts)
    if style < 0.9:
        return " and ".join(parts)
    return " + ".join(parts)


def _age_words(age: int) -> str:
    return str(age) if age >= 1 else "under one"


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _durations(days: float, rng: random.Random) -> dict[str, str]:
    """Slots ``dur``, ``dur_n``, ``dur_ago``, ``dur_cap``, ``since``, ``since_lower``."""
    if days < 1 / 24:
        n, unit = max(5, round(days * 24 * 60 / 5) * 5), "minutes"
    elif days < 1:
        n, unit = max(1, round(days * 24)), "hours"
    elif days < 14:
        n, unit = max(1, round(days)), "days"
    elif days < 60:
        n, unit = max(2, round(days / 7)), "weeks"
    else:
        n, unit = max(2, round(days / 30)), "months"
    amount = f"{n} {unit[:-1] if n == 1 else unit}"
    if unit == "hours":
        since = rng.choice(("this morning", "earlier today", "a few hours ago", "lunchtime"))
    elif unit == "minutes":
        since = rng.choice(("a few minutes ago", "just now", "half an hour ago"))
    elif unit == "days" and n <= 2:
        since = rng.choice(("yesterday", "last night", "the day before yesterday"))
    elif unit == "days":
        since = rng.choice((*_WEEKDAYS, "the weekend", "a few days ago"))
    else:
        since = rng.choice(
            (f"about {amount} ago", "last month" if unit != "weeks" else "last week")
        )
    dur = rng.choice(
        (f"for {amount}", f"for about {amount}", f"since {since}", f"the last {amount}")
    )
    return {
        "dur": dur,
        "dur_n": amount,
        "dur_ago": f"{amount} ago",
        "dur_cap": dur[:1].upper() + dur[1:],
        "since": since,
        "since_lower": f"since {since}",
    }


_KEYS = "qwertyuiopasdfghjklzxcvbnm"


def _noise(text: str, rng: random.Random) -> str:
    """Typos in a quarter of cases; lower case and missing punctuation in some."""
    if rng.random() < 0.25:
        words = text.split(" ")
        for i, word in enumerate(words):
            if len(word) > 3 and rng.random() < 0.06:
                j = rng.randrange(1, len(word) - 1)
                kind = rng.random()
                if kind < 0.35:
                    word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
                elif kind < 0.65:
                    word = word[:j] + word[j + 1 :]
                elif kind < 0.85:
                    word = word[:j] + word[j] + word[j:]
                else:
                    word = word[:j] + rng.choice(_KEYS) + word[j + 1 :]
                words[i] = word
        text = " ".join(words)
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.1:
        text = re.sub(r"[.,!?;:()]", "", text)
    return text


def generate(
    kb: KnowledgeBase, n_train: int, n_val: int, seed: int = 0
) -> tuple[list[Case], list[Case]]:
    """``n_train`` training and ``n_val`` validation cases, reproducibly from ``seed``."""
    gen = CaseGenerator(kb, seed=seed)
    return list(gen.stream(n_train, "train")), list(gen.stream(n_val, "val"))
