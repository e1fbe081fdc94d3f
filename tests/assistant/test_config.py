from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings, SettingsError


def test_defaults(tmp_path: Path) -> None:
    s = Settings.load(env={}, toml_path=tmp_path / "none.toml")
    assert s.port == 8000 and s.host == "127.0.0.1" and s.session_store == "sqlite"
    assert s.db_path == Path("var") / "vita.db"


def test_toml_then_env_then_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "vita.toml"
    toml.write_text(
        '[vita]\nport = 9000\nskills = ["smalltalk", "triage"]\nsafety_semantic = false\n'
    )
    s = Settings.load(env={}, toml_path=toml)
    assert s.port == 9000 and s.skills == ("smalltalk", "triage") and s.safety_semantic is False
    s = Settings.load(env={"VITA_PORT": "9100", "VITA_SKILLS": "smalltalk"}, toml_path=toml)
    assert s.port == 9100 and s.skills == ("smalltalk",)
    s = Settings.load(env={"VITA_PORT": "9100"}, toml_path=toml, port=9200, host=None)
    assert s.port == 9200 and s.host == "127.0.0.1"


def test_config_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "other.toml"
    toml.write_text("default_locale = 'en-GB'\n")
    s = Settings.load(env={"VITA_CONFIG": str(toml)})
    assert s.default_locale == "en-GB"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"VITA_PORT": "eighty"}, "VITA_PORT"),
        ({"VITA_SAFETY_SEMANTIC": "maybe"}, "true/false"),
    ],
)
def test_bad_env_values_are_named(tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        Settings.load(env=env, toml_path=tmp_path / "none.toml")


def test_unknown_toml_key_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "vita.toml"
    toml.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        Settings.load(env={}, toml_path=toml)


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    toml = tmp_path / "vita.toml"
    toml.write_text("port = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings.load(env={}, toml_path=toml)
