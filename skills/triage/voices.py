"""Sentence patterns for the case generator: how people (and clinicians) describe symptoms.

These are training data, not replies: nobody reads them in the chat. Each pattern is a
``str.format`` template over the slots the generator fills:

- ``{syms}``: symptom phrases joined as a list ("a cough, a sore throat and a runny nose");
- ``{dur}``: a duration clause ("for 3 days", "since yesterday"); ``{dur_n}``: "3 days";
- ``{neg}``: a negation sentence or "" ("No fever though."); ``{age}``, ``{who}``, ``{pron}``
  (he/she/they), ``{sex}`` (woman/man), ``{sexl}`` (F/M), ``{onset}`` ("It came on suddenly." or "").

Patterns are grouped by voice. Every fifth pattern of each voice is held out for validation, so
the validation set measures phrasing the model never saw (see ``data.split_of_pattern``).
"""

from __future__ import annotations

FIRST_PERSON: tuple[str, ...] = (
    "I've had {syms} {dur}. {neg}{onset}",
    "I have {syms}. {onset}It's been going on {dur}. {neg}",
    "hi, {syms} {dur} {neg}",
    "For {dur_n} now I've had {syms}. {neg}",
    "I'm {age} and I've got {syms}. {neg}{onset}",
    "Feeling rough {dur}: {syms}. {neg}",
    "help please, {syms}. {onset}{neg}",
    "I've been suffering with {syms} {dur}. {neg}",
    "Since {since} I've had {syms}. {neg}{onset}",
    "what could cause {syms}? I'm {age}. {neg}",
    "I keep getting {syms}. {neg}It's been {dur_n}.",
    "I'm a {age} year old {sex} with {syms} {dur}. {neg}",
    "Not sure what's going on. {syms} {dur}. {onset}{neg}",
    "{syms} {dur}, should I be worried? {neg}",
    "I woke up with {syms}. {onset}{neg}",
    "Been dealing with {syms} {dur}. I'm {age}. {neg}",
)

RAMBLING: tuple[str, ...] = (
    "So I don't really know if this is anything but {since_lower} I've been having {syms}, and "
    "honestly it's really getting me down. {neg}I'm {age} if that matters. {onset}",
    "Okay so this might sound silly. {dur_cap} I've had {syms}. I thought it would pass but it "
    "hasn't. {neg}{onset}Any idea what it could be?",
    "Sorry for the long message. I'm {age}, normally fit and well, but {since_lower} there's been "
    "{syms}. {onset}{neg}I've tried resting but nothing really helps.",
    "I've been putting off asking about this. {syms}, on and off {dur}. {neg}My partner told me "
    "to check. {onset}",
    "Right, where do I start. {dur_cap} I've been feeling off. {syms}. {neg}{onset}Work has "
    "been busy so maybe that's it, I don't know.",
)

THIRD_PERSON: tuple[str, ...] = (
    "My {who} ({age}) has {syms} {dur}. {neg}",
    "My {who} has been complaining of {syms} {dur}. {neg}{onset}",
    "I'm worried about my {who}, {pron} is {age} and has {syms}. {neg}",
    "my {who} {age} {syms} {dur} {neg}",
    "Asking for my {who}: {syms}, started {dur_ago}. {onset}{neg}",
    "My {age} year old {who} has {syms}. {neg}What should we do?",
    "Our {who} has had {syms} {dur}. {pron_cap} is {age}. {neg}{onset}",
    "{who_cap} ({age}) with {syms} {dur}. {neg}",
    "My {who} just told me {pron} has {syms}. {onset}{neg}",  # not used for babies
    "Can you help? My {who}, aged {age}, has {syms} {dur}. {neg}",
)

TERSE: tuple[str, ...] = (
    "{syms}",
    "{syms}, {dur_n}",
    "{syms}. {neg}",
    "{age}{sexl}, {syms}",
    "{syms} {dur}",
    "{syms}?? {dur_n}",
    "{syms}. {onset}",
    "{syms}, age {age}. {neg}",
)

CLINICAL: tuple[str, ...] = (
    "{age}-year-old {sex} presenting with {syms} for {dur_n}. {neg}{onset}",
    "{sex_cap}, {age}, {dur_n} history of {syms}. {neg}",
    "Pt {age}{sexl} c/o {syms} x {dur_n}. {neg}",
    "A {age}-year-old {sex} reports {syms}. {onset}{neg}",
    "{age} y/o {sex} with {syms}, onset {dur_ago}. {neg}",
    "Patient is a {age}-year-old {sex}. Presenting complaint: {syms}. Duration: {dur_n}. {neg}",
    "History: {syms} over {dur_n} in a {age}-year-old {sex}. {neg}{onset}",
    "{age}{sexl} presents with {syms}. {neg}",
)

VOICES: dict[str, tuple[str, ...]] = {
    "first_person": FIRST_PERSON,
    "rambling": RAMBLING,
    "third_person": THIRD_PERSON,
    "terse": TERSE,
    "clinical": CLINICAL,
}
# Share of cases per voice (children are always described by someone else).
VOICE_WEIGHTS: dict[str, float] = {
    "first_person": 0.36,
    "rambling": 0.1,
    "third_person": 0.2,
    "terse": 0.16,
    "clinical": 0.18,
}

NEGATIONS_LAY: tuple[str, ...] = (
    "No {x}.",
    "I don't have {x}.",
    "No {x} though.",
    "There's no {x}.",
    "Not got {x}.",
    "Without any {x}.",
    "No {x} as far as I can tell.",
)
NEGATIONS_THIRD: tuple[str, ...] = (
    "No {x}.",
    "{subject} doesn't have {x}.",
    "No {x} though.",
    "There's no {x}.",
)
NEGATIONS_CLINICAL: tuple[str, ...] = (
    "Denies {x}.",
    "No {x}.",
    "Negative for {x}.",
    "No {x} reported.",
)

ONSET_SUDDEN: tuple[str, ...] = (
    "It came on suddenly. ",
    "It started all of a sudden. ",
    "Came on out of nowhere. ",
    "Sudden onset. ",
)

RELATIVES_ADULT_F = ("wife", "sister", "girlfriend", "partner", "friend", "flatmate", "daughter")
RELATIVES_ADULT_M = ("husband", "brother", "boyfriend", "partner", "friend", "flatmate", "son")
RELATIVES_MIDDLE_F = ("wife", "mum", "sister", "partner", "friend", "mother")
RELATIVES_MIDDLE_M = ("husband", "dad", "brother", "partner", "friend", "father")
RELATIVES_OLD_F: tuple[str, ...] = ("mum", "mother", "grandmother", "nan", "grandma", "aunt")
RELATIVES_OLD_M: tuple[str, ...] = ("dad", "father", "grandfather", "grandad", "uncle")
RELATIVES_CHILD_F: tuple[str, ...] = ("daughter", "little girl", "girl", "niece")
RELATIVES_CHILD_M: tuple[str, ...] = ("son", "little boy", "boy", "nephew")
RELATIVES_BABY: tuple[str, ...] = ("baby", "newborn", "infant", "little one")
