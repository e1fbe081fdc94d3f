"""An automated accessibility audit (axe-core) of the widget and the full page, in both themes.

axe-core is not a Python package: ``make browser-deps`` installs it from npm into
``tests/web/node_modules`` (or set ``VITA_AXE_JS`` to an ``axe.min.js``). Without it these tests
skip and say so. The audit runs with the page's CSP bypassed, only so the test can inject axe;
it fails on any violation axe rates serious or critical, and reports them with their targets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.helpers import Widget

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
AXE_CANDIDATES = [
    Path(os.environ.get("VITA_AXE_JS", HERE / "node_modules" / "axe-core" / "axe.min.js")),
    HERE / "node_modules" / "axe-core" / "axe.min.js",
    Path("/usr/share/nodejs/axe-core/axe.min.js"),
]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    for path in AXE_CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip(
        "axe-core not found: run `make browser-deps` (npm install axe-core into "
        "tests/web/node_modules) or set VITA_AXE_JS to axe.min.js"
    )


def audit(page: Any, axe_source: str) -> list[str]:
    """Serious and critical axe violations on the page, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result
        if v.get("impact") in BLOCKING
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_demo_page_with_the_widget_open(
    open_widget: Callable[..., Widget], axe_source: str, scheme: str, screenshots: Path
) -> None:
    w = open_widget("/demo", color_scheme=scheme, bypass_csp=True)
    page = w.page
    page.locator(".vw-launcher").click()
    assert audit(page, axe_source) == []  # the first-open notice
    dark = "vw--dark" in (page.locator(".vw").get_attribute("class") or "")
    assert dark is (scheme == "dark")  # data-theme auto follows the system

    w.accept_notice()
    w.say("hi")
    w.say("/card triage I have had a fever for three days")
    w.say("/card plan")
    w.say("/card hostile")
    w.say("I think I'm having a heart attack")
    w.shot(screenshots / f"theme-{scheme}.png")
    page.get_by_role("button", name="Delete my data").click()  # the confirmation too
    assert audit(page, axe_source) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_full_page_chat(open_widget: Callable[..., Widget], axe_source: str, scheme: str) -> None:
    w = open_widget("/", color_scheme=scheme, bypass_csp=True)
    assert audit(w.page, axe_source) == []
    w.accept_notice()
    w.say("hi")
    w.say("/card triage my head hurts")
    assert audit(w.page, axe_source) == []
