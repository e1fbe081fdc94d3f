"""The privacy notice in the widget: served with its strings, shown by "Privacy", and
"Download my data" saving the conversation's export (a real Chromium, see conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.prompts import Prompts
from assistant.server import create_app
from assistant.testing import settings_for_tests
from tests.web.helpers import Widget
from tests.web.test_a11y import audit, axe_source  # noqa: F401  (fixture)


def test_config_serves_the_rendered_privacy_notice(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_ttl_days=14, skills="smalltalk")
    with TestClient(create_app(settings)) as client:
        privacy = client.get("/api/v1/widget/config").json()["privacy"]
    expected = Prompts(settings.prompts_dir).render_all("privacy.notice", days=14)
    assert privacy["title"] == "Privacy" and privacy["retention_days"] == 14
    assert privacy["paragraphs"] == expected
    assert any("14 days after its last message" in p for p in privacy["paragraphs"])
    assert not any("{{" in p or "{%" in p for p in privacy["paragraphs"])


@pytest.mark.browser
def test_privacy_panel_and_download_my_data(
    open_widget: Callable[..., Widget],
    axe_source: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    w = open_widget("/demo", bypass_csp=True, accept_downloads=True).open()
    page = w.page
    w.say("hi")
    sid = w.session()
    page.get_by_role("button", name="Privacy").click()
    panel = page.get_by_role("region", name="Privacy")
    assert panel.is_visible()
    text = panel.inner_text()
    assert "30 days after its last message" in text and "never stored or written to disk" in text
    assert (w.active() or {}).get("text") == "Close"  # focus moved into the panel
    assert audit(page, axe_source) == []

    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "export.json"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "vita-conversation.json"
    export = json.loads(saved.read_text(encoding="utf-8"))
    assert export["session_id"] == sid and export["transcript"][0]["text"] == "hi"

    page.get_by_role("button", name="Close", exact=True).click()
    assert panel.is_hidden()
    assert (w.active() or {}).get("cls") == "vw-input"  # back to typing
