"""Tests for the safety screen: the phrase table, locales, the reply, robustness.

The table (``safety_table.yaml``) must pass completely with the real MiniLM embedder: every
escalate phrase escalates with its kind, no safe phrase escalates. Entries not marked
``paraphrase`` must also escalate with patterns alone.

``safety_held_out.yaml`` was written after the rules and thresholds were frozen for the last time and
was not used to change them. Its measured result (19 of 22 escalate, 2 of 20 near-miss safe
phrases escalate) is asserted as a floor so that regressions show; earlier held-out rounds were
folded into the table after they had been measured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import PROJECT_ROOT, Settings
from assistant.prompts import Prompts
from assistant.safety import SafetyScreen, Screening
from assistant.safety_locale import contacts_for, load_numbers, region_of
from assistant.safety_rules import load_rules
from assistant.types import EmergencyCard, Escalated
from index.embed import HashEmbedder, MiniLMEmbedder, Vectors

TABLE = yaml.safe_load((Path(__file__).parent / "safety_table.yaml").read_text(encoding="utf-8"))
ESCALATE: list[dict[str, Any]] = TABLE["escalate"]
SAFE: list[str] = TABLE["safe"]
PLAIN = [e for e in ESCALATE if not e.get("paraphrase")]

HELD_OUT = yaml.safe_load(
    (Path(__file__).parent / "safety_held_out.yaml").read_text(encoding="utf-8")
)
HELD_OUT_ESCALATE: list[tuple[str, str]] = [(e["text"], e["kind"]) for e in HELD_OUT["escalate"]]
HELD_OUT_SAFE: list[str] = HELD_OUT["safe"]
HELD_OUT_MIN_ESCALATE = 18  # measured 19/22 when frozen
HELD_OUT_MAX_SAFE_HITS = 2  # measured 2/20 when frozen

BRIEF_ESCALATE = [
    ("my dad's face is drooping on one side and he can't lift his arm", "medical"),
    ("I want to end it all", "mental_health"),
    ("there's an elephant sitting on my chest and my left arm is numb", "medical"),
]
BRIEF_SAFE = [
    "that spin class nearly killed me",
    "I'd kill for a pizza",
    "my chest is sore from push-ups",
    "how do I do CPR?",
    "I'm dying to try that recipe",
    "this traffic is killing me",
    "no chest pain",
]


def _settings(tmp: Path, **overrides: Any) -> Settings:
    return Settings.load(env={}, toml_path=tmp / "x.toml", session_store="memory", **overrides)


@pytest.fixture(scope="module")
def patterns_only(tmp_path_factory: pytest.TempPathFactory) -> SafetyScreen:
    return SafetyScreen(_settings(tmp_path_factory.mktemp("safety")))


@pytest.fixture(scope="module")
def minilm_screen(tmp_path_factory: pytest.TempPathFactory) -> SafetyScreen:
    screen = SafetyScreen(_settings(tmp_path_factory.mktemp("safety")), MiniLMEmbedder())
    screen.warm_up()
    return screen


@pytest.fixture(scope="module")
def prompts() -> Prompts:
    return Prompts(PROJECT_ROOT / "prompts")


# --------------------------------------------------------------------------- the table


def test_table_is_big_enough() -> None:
    assert len(ESCALATE) >= 80 and len(SAFE) >= 80
    assert {e["kind"] for e in ESCALATE} == {"medical", "mental_health"}
    texts = [e["text"] for e in ESCALATE] + SAFE
    assert len(texts) == len(set(texts)), "duplicate phrases in the table"
    held_out = {t for t, _ in HELD_OUT_ESCALATE} | set(HELD_OUT_SAFE)
    assert not held_out & set(texts), "held-out phrases must not be in the table"


@pytest.mark.parametrize("entry", PLAIN, ids=lambda e: e["text"][:50])
def test_patterns_catch_plain_phrasings(patterns_only: SafetyScreen, entry: dict[str, Any]) -> None:
    result = patterns_only.screen(entry["text"])
    assert result.escalate and result.kind == entry["kind"], patterns_only.explain(entry["text"])
    assert result.method == "pattern" and result.score == 1.0
    assert result.rule and result.rule.startswith(f"{result.category}/pattern/")


@pytest.mark.parametrize("text", SAFE, ids=lambda t: t[:50])
def test_patterns_leave_safe_phrases_alone(patterns_only: SafetyScreen, text: str) -> None:
    assert not patterns_only.screen(text).escalate, patterns_only.explain(text)


@pytest.mark.model
@pytest.mark.parametrize("entry", ESCALATE, ids=lambda e: e["text"][:50])
def test_table_escalates_with_minilm(minilm_screen: SafetyScreen, entry: dict[str, Any]) -> None:
    result = minilm_screen.screen(entry["text"])
    assert result.escalate, minilm_screen.explain(entry["text"])
    assert result.kind == entry["kind"], result


@pytest.mark.model
@pytest.mark.parametrize("text", SAFE, ids=lambda t: t[:50])
def test_table_safe_with_minilm(minilm_screen: SafetyScreen, text: str) -> None:
    result = minilm_screen.screen(text)
    assert not result.escalate, (result, minilm_screen.explain(text))


@pytest.mark.model
def test_semantic_stage_catches_paraphrases(minilm_screen: SafetyScreen) -> None:
    results = [minilm_screen.screen(e["text"]) for e in ESCALATE if e.get("paraphrase")]
    semantic = [r for r in results if r.method == "semantic"]
    assert len(semantic) >= 10
    for r in semantic:
        assert r.rule and r.rule.startswith(f"{r.category}/prototype: ")
        assert 0.5 < r.score <= 1.0


@pytest.mark.model
def test_held_out(minilm_screen: SafetyScreen, capsys: pytest.CaptureFixture[str]) -> None:
    hits = [
        t
        for t, kind in HELD_OUT_ESCALATE
        if (r := minilm_screen.screen(t)).escalate and r.kind == kind
    ]
    false_alarms = [t for t in HELD_OUT_SAFE if minilm_screen.screen(t).escalate]
    with capsys.disabled():
        print(
            f"\nheld-out: {len(hits)}/{len(HELD_OUT_ESCALATE)} escalate, "
            f"{len(false_alarms)}/{len(HELD_OUT_SAFE)} safe phrases escalated"
        )
    assert len(hits) >= HELD_OUT_MIN_ESCALATE
    assert len(false_alarms) <= HELD_OUT_MAX_SAFE_HITS


@pytest.mark.parametrize(("text", "kind"), BRIEF_ESCALATE)
def test_examples_from_the_issue_escalate(
    patterns_only: SafetyScreen, text: str, kind: str
) -> None:
    assert patterns_only.screen(text).kind == kind


@pytest.mark.parametrize("text", BRIEF_SAFE)
def test_examples_from_the_issue_stay_quiet(patterns_only: SafetyScreen, text: str) -> None:
    assert not patterns_only.screen(text).escalate


# --------------------------------------------------------------------------- behaviour


def test_negation_window(patterns_only: SafetyScreen) -> None:
    assert not patterns_only.screen("I'm not having a heart attack, just heartburn").escalate
    assert not patterns_only.screen("no crushing chest pain at all").escalate
    # a breaker ends the negation, and cues that are the symptom are not negations
    assert patterns_only.screen("I don't have chest pain but I can't breathe").escalate
    assert patterns_only.screen("oh no he's not breathing").escalate
    assert patterns_only.screen("he has no pulse").escalate


def test_guard_blanks_only_its_own_span(patterns_only: SafetyScreen) -> None:
    assert not patterns_only.screen("how do I do CPR").escalate
    result = patterns_only.screen("how do I do CPR on my dad he's not breathing")
    assert result.escalate and result.category == "breathing"


def test_priority_and_related(patterns_only: SafetyScreen) -> None:
    result = patterns_only.screen("I took 40 sleeping pills because I want to die")
    assert result.kind == "medical" and result.category == "overdose_poisoning"
    assert "suicide" in result.related


def test_explain_names_guards(patterns_only: SafetyScreen) -> None:
    info = patterns_only.explain("that spin class nearly killed me")
    assert info["guards"] and all(g.startswith("guard/") for g in info["guards"])
    assert info["screening"] == Screening(escalate=False)


def test_semantic_needs_setting_and_embedder(tmp_path: Path) -> None:
    off = SafetyScreen(_settings(tmp_path, safety_semantic=False), HashEmbedder())
    assert not off.semantic_enabled
    off.warm_up()  # a no-op
    assert not SafetyScreen(_settings(tmp_path)).semantic_enabled
    assert SafetyScreen(_settings(tmp_path), HashEmbedder()).semantic_enabled


class _CountingEmbedder:
    name = "counting"
    dim = 16

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        with self._lock:
            self.calls += 1
        if self.fail and self.calls > 1:
            raise RuntimeError("model exploded")
        time.sleep(0.01)
        return HashEmbedder(self.dim).encode(texts)


def test_warm_up_once_across_threads(tmp_path: Path) -> None:
    embedder = _CountingEmbedder()
    screen = SafetyScreen(_settings(tmp_path), embedder)
    threads = [threading.Thread(target=screen.warm_up) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    screen.warm_up()
    assert embedder.calls == 1


def test_embedder_failure_keeps_pattern_result(tmp_path: Path) -> None:
    screen = SafetyScreen(_settings(tmp_path), _CountingEmbedder(fail=True))
    screen.warm_up()
    assert not screen.screen("some words about my week and my plans").escalate
    assert screen.screen("I can't breathe").escalate


def test_hash_embedder_semantic_path_runs(tmp_path: Path) -> None:
    screen = SafetyScreen(_settings(tmp_path), HashEmbedder())
    assert isinstance(screen.screen("a long message. " * 50 + "with many sentences"), Screening)


# --------------------------------------------------------------------------- robustness

_fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fast
@given(st.text())
def test_any_unicode_never_raises(text: str) -> None:
    screen = SafetyScreen(Settings.load(env={}, toml_path=Path("/nonexistent.toml")))
    assert isinstance(screen.screen(text), Screening)


@_fast
@given(st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cf", "Cs", "Zl", "Zp"])))
def test_control_and_surrogate_characters(text: str) -> None:
    screen = SafetyScreen(
        Settings.load(env={}, toml_path=Path("/nonexistent.toml")), HashEmbedder()
    )
    assert isinstance(screen.screen(text), Screening)


@settings(max_examples=5, deadline=None)
@given(st.text(min_size=1, max_size=20), st.integers(min_value=0, max_value=3))
def test_100kb_messages_return_quickly(chunk: str, which: int) -> None:
    screen = SafetyScreen(Settings.load(env={}, toml_path=Path("/nonexistent.toml")))
    texts = [
        (chunk * (100_000 // len(chunk) + 1))[:100_000],
        "my chest pain arm jaw numb crushing " * 3000,
        "a" * 100_000,
        "he she my dad not " * 6000,
    ]
    start = time.perf_counter()
    assert isinstance(screen.screen(texts[which]), Screening)
    # a generous bound: this guards against catastrophic regex backtracking, not speed
    assert time.perf_counter() - start < 5.0


def test_emergency_after_long_text_within_scan_limit(patterns_only: SafetyScreen) -> None:
    text = "I went for a walk today and it was nice. " * 50 + "Now my husband is not breathing."
    assert patterns_only.screen(text).escalate


# --------------------------------------------------------------------------- locales


@pytest.mark.parametrize(
    ("locale", "country", "number"),
    [
        ("en-US", "US", "911"),
        ("en_CA", "CA", "911"),
        ("en-GB", "GB", "999"),
        ("en-UK", "GB", "999"),
        ("en_IE", "IE", "112"),
        ("en_IE.UTF-8", "IE", "112"),
        ("fr-FR", "FR", "112"),
        ("de-DE", "DE", "112"),
        ("de-AT", "AT", "112"),
        ("en-AU", "AU", "000"),
        ("en-NZ", "NZ", "111"),
        ("en-IN", "IN", "112"),
        ("hi_IN", "IN", "112"),
        ("zh-Hant-TW", "default", "112"),
        ("GB", "GB", "999"),
        ("fr", "default", "112"),
        ("xx", "default", "112"),
        ("es-419", "default", "112"),
        (None, "default", "112"),
        ("", "default", "112"),
        ("  ", "default", "112"),
    ],
)
def test_contacts_for(locale: str | None, country: str, number: str) -> None:
    contacts = contacts_for(locale)
    assert (contacts.country, contacts.number) == (country, number)
    assert contacts.number_label


def test_crisis_lines_where_known() -> None:
    assert contacts_for("en-US").crisis_line == "988"
    assert contacts_for("en-CA").crisis_line == "988"
    assert contacts_for("en-GB").crisis_line == "116 123"
    assert contacts_for("en-IE").crisis_line == "116 123"
    assert contacts_for("en-AU").crisis_line == "13 11 14"
    assert contacts_for("en-NZ").crisis_line == "1737"
    assert contacts_for("en-IN").crisis_line == "14416"
    assert contacts_for(None).crisis_line is None
    default = contacts_for("xx")
    assert "local emergency number" in default.number_label


def test_every_eu_country_is_listed_with_112() -> None:
    eu = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
    table = load_numbers()
    for code in eu.split():
        assert table.countries[code].number == "112", code
        entry = table.countries[code]
        assert (entry.crisis_line is None) == (entry.crisis_label is None), code


def test_region_of_edge_cases() -> None:
    assert region_of("en-us") == "US"
    assert region_of("sr-Latn-RS") == "RS"
    assert region_of("C.UTF-8") is None
    assert region_of("en-") is None


# --------------------------------------------------------------------------- the reply


def test_medical_reply(patterns_only: SafetyScreen, prompts: Prompts) -> None:
    screening = patterns_only.screen("my husband is having a heart attack")
    reply = patterns_only.reply(screening, "en-GB", prompts)
    assert reply.done and len(reply.cards) == 1
    card = reply.cards[0]
    assert isinstance(card, EmergencyCard)
    assert (card.kind, card.number, card.country) == ("medical", "999", "GB")
    assert card.crisis_line is None and card.matched == screening.rule
    assert "999" in reply.text and "999" in card.message
    assert 2 <= len(card.steps) <= 4
    assert reply.events == (
        Escalated(kind="medical", rule=screening.rule or "", ts=reply.events[0].ts),
    )
    assert card.to_dict()["type"] == "emergency"


def test_mental_health_reply_has_crisis_line(patterns_only: SafetyScreen, prompts: Prompts) -> None:
    reply = patterns_only.reply(patterns_only.screen("I want to end it all"), "en-US", prompts)
    card = reply.cards[0]
    assert isinstance(card, EmergencyCard)
    assert (card.kind, card.number, card.crisis_line) == ("mental_health", "911", "988")
    assert "988" in reply.text and "988" in card.message
    assert any("alone" in step for step in card.steps)


def test_mental_health_reply_without_crisis_line(
    patterns_only: SafetyScreen, prompts: Prompts
) -> None:
    reply = patterns_only.reply(patterns_only.screen("I want to die"), "pl-PL", prompts)
    card = reply.cards[0]
    assert isinstance(card, EmergencyCard)
    assert card.crisis_line is None and "112" in card.message and "None" not in card.message


def test_overdose_card_shows_crisis_line(patterns_only: SafetyScreen, prompts: Prompts) -> None:
    reply = patterns_only.reply(patterns_only.screen("she took 30 paracetamol"), "en-AU", prompts)
    card = reply.cards[0]
    assert isinstance(card, EmergencyCard)
    assert (card.kind, card.number, card.crisis_line) == ("medical", "000", "13 11 14")


def test_reply_locale_falls_back_to_settings(tmp_path: Path, prompts: Prompts) -> None:
    screen = SafetyScreen(_settings(tmp_path, default_locale="en-NZ"))
    card = screen.reply(screen.screen("I can't breathe"), None, prompts).cards[0]
    assert isinstance(card, EmergencyCard) and card.number == "111"
    unknown = screen.reply(screen.screen("I can't breathe"), "fr", prompts).cards[0]
    assert isinstance(unknown, EmergencyCard) and unknown.country == "default"
    assert "local emergency number" in unknown.message


def test_reply_refuses_a_quiet_screening(patterns_only: SafetyScreen, prompts: Prompts) -> None:
    with pytest.raises(ValueError):
        patterns_only.reply(Screening(escalate=False), "en-US", prompts)


def test_every_category_has_steps_and_wording(prompts: Prompts) -> None:
    rules = load_rules()
    for category in rules.categories:
        steps = prompts.data(f"safety.steps_{category.name}")
        assert isinstance(steps, list) and 2 <= len(steps) <= 4, category.name
        assert all("{{" not in s for s in steps)
        assert category.patterns and category.prototypes, category.name
    for kind in ("medical", "mental_health"):
        for key in ("title", "message", "text"):
            assert prompts.has(f"safety.{key}_{kind}")


def test_bad_rules_file_fails_loudly(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("categories:\n  x:\n    kind: medical\n    patterns: ['(unclosed']\n")
    with pytest.raises(ValueError, match="bad regex"):
        load_rules(bad)
    bad.write_text("categories:\n  x:\n    kind: physical\n")
    with pytest.raises(ValueError, match="unknown kind"):
        load_rules(bad)


def test_prototype_bank_shapes(tmp_path: Path) -> None:
    screen = SafetyScreen(_settings(tmp_path), HashEmbedder(32))
    screen.warm_up()
    rules = screen.rules
    n = sum(len(c.prototypes) for c in rules.categories)
    bank = screen._bank
    assert bank is not None
    assert bank.emergency.shape == (n, 32) and bank.safe.shape == (len(rules.safe_prototypes), 32)
    assert np.allclose(np.linalg.norm(bank.emergency, axis=1), 1.0, atol=1e-5)
