from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.prompts import PromptError, Prompts


def test_project_prompts_load_and_render() -> None:
    p = Prompts(PROJECT_ROOT / "prompts")
    assert "errors.message_too_long" in p.names()
    text = p.render("errors.message_too_long", length=5000, limit=4000)
    assert "5000" in text and "4000" in text


def test_missing_template_and_variable_fail_loudly(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(
        "hello: 'Hi {{ name }}'\nvariants: ['a {{ x }}', 'b {{ x }}']\n"
    )
    p = Prompts(tmp_path)
    assert p.render("g.hello", name="Ana") == "Hi Ana"
    with pytest.raises(PromptError, match=r"g\.nope"):
        p.render("g.nope")
    with pytest.raises(PromptError, match="name"):
        p.render("g.hello")
    picks = {p.pick("g.variants", random.Random(i), x=1) for i in range(20)}
    assert picks == {"a 1", "b 1"}


def test_bad_yaml_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="not found"):
        Prompts(tmp_path / "absent")
    (tmp_path / "bad.yaml").write_text("a: [unclosed\n")
    with pytest.raises(PromptError, match="not valid YAML"):
        Prompts(tmp_path)


def test_every_error_code_used_in_code_has_a_template() -> None:
    import re

    p = Prompts(PROJECT_ROOT / "prompts")
    codes: set[str] = set()
    for path in (PROJECT_ROOT / "assistant").rglob("*.py"):
        codes |= set(re.findall(r'InputError\(\s*"([a-z_0-9]+)"', path.read_text()))
    assert codes, "expected InputError codes in the code"
    missing = sorted(c for c in codes if not p.has(f"errors.{c}"))
    assert not missing, f"error codes without a prompt: {missing}"
