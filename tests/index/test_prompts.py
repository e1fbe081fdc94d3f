"""Every sentence the index shows comes from prompts/: codes and keys used in index/ all exist."""

from __future__ import annotations

import re

from assistant.config import PROJECT_ROOT
from assistant.prompts import Prompts

INDEX = PROJECT_ROOT / "index"


def _code() -> str:
    return "\n".join(p.read_text() for p in INDEX.glob("*.py"))


def test_error_codes_and_index_prompts_exist() -> None:
    prompts = Prompts(PROJECT_ROOT / "prompts")
    code = _code()
    codes = set(re.findall(r'InputError\(\s*"([a-z_0-9]+)"', code))
    assert {"empty_query", "query_too_long", "bad_search_k", "unknown_topic"} <= codes
    assert all(prompts.has(f"errors.{c}") for c in codes)
    used = set(re.findall(r'"(index\.[a-z_]+)"', code))
    missing = [name for name in used if not (prompts.has(name) or _is_data(prompts, name))]
    assert used and not missing


def test_no_unused_index_prompts() -> None:
    prompts = Prompts(PROJECT_ROOT / "prompts")
    code = _code()
    top = {".".join(n.split(".")[:2]) for n in prompts.names() if n.startswith("index.")}
    unused = [n for n in top if f'"{n}"' not in code]  # a nested table counts as its top key
    assert not unused


def _is_data(prompts: Prompts, name: str) -> bool:
    try:
        prompts.data(name)
    except LookupError:
        return False
    return True
