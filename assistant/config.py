"""Settings: code defaults < ``vita.toml`` < ``VITA_*`` environment variables.

One frozen :class:`Settings` object is built at start-up and passed down explicitly; no module
reads the environment on its own. Every field can be set in ``vita.toml`` (same name, at top
level or under ``[vita]``) or as ``VITA_<NAME>`` in the environment. Lists are comma-separated
in the environment. Unknown keys in ``vita.toml`` are an error, so a typo never goes unnoticed.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting and the source."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a single-machine install uses."""

    # where things live
    data_dir: Path = Path("var")
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    web_dir: Path = PROJECT_ROOT / "web"

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    allowed_origins: tuple[str, ...] = ()
    # REST API keys (VITA_API_KEYS=k1,k2); empty = open API. Kept out of repr so logs never show them.
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    log_level: str = "info"
    metrics: bool = True  # GET /metrics (Prometheus); needs an API key when api_keys are set

    # sessions: "sqlite" (file in data_dir), "memory" (tests), or a redis:// URL (scale-out)
    session_store: str = "sqlite"
    default_locale: str = "en-US"
    history_limit: int = 200  # turns sent back to a client that resumes a session
    # privacy: a session untouched this many days is deleted with everything about it (SECURITY.md)
    session_ttl_days: int = 30

    # skills: registry names, in the order they are tried on equal score
    skills: tuple[str, ...] = ("smalltalk", "triage", "knowledge", "workout", "image_check")
    fallback_skill: str = "smalltalk"
    router_threshold: float = 0.35
    router_switch_margin: float = 0.25
    skill_timeout_s: float = 30.0

    # knowledge skill: answer only when the best passage's cosine similarity reaches this
    # (calibrated on tests/skills/knowledge/questions.yaml, see README); optional language model
    # at an OpenAI-compatible chat endpoint (empty llm_url = extractive answers only)
    knowledge_min_score: float = 0.45
    llm_url: str = ""
    llm_model: str = "local"
    llm_api_key: str = ""
    llm_timeout_s: float = 10.0

    # workout skill: catalogue file ("" = the packaged skills/workout/exercises.yaml; an imported
    # free-exercise-db catalogue from `vita workout import` also works), the CF model written by
    # `vita train workout` ("" = <data_dir>/workout/cf.npz), the feedback count at which the CF
    # score gets half its weight, and the dense score a passage needs to be cited with a plan
    workout_catalogue: str = ""
    workout_model: str = ""
    workout_cf_half_feedback: float = 8.0
    workout_citation_min_score: float = 0.5

    # safety screen
    safety_semantic: bool = True
    embedder: str = "minilm"  # "minilm" (packaged all-MiniLM-L6-v2) or "hash" (tests)

    # grounding index (index/): built from index_corpus plus `vita index add` into data_dir/index
    retrieval: bool = True  # build/load the index at warm-up and give skills a retriever
    index_corpus: Path = PROJECT_ROOT / "index" / "corpus"
    index_exact_max: int = 50_000  # above this many passages FAISS uses a tuned IVF index
    index_rrf_k: float = 60.0  # reciprocal rank fusion: weight / (rrf_k + rank)
    index_dense_weight: float = 1.0
    index_bm25_weight: float = 1.0
    index_candidates: int = 100  # passages each retriever contributes to the fusion
    index_max_query_chars: int = 1000  # longer queries are cut (at a word) before searching

    # image check skill (skills/image_check): the checkpoint, the DermaMNIST folder used by
    # `vita train image` / `vita eval image`, the smallest photo side it will judge, heat maps
    image_check_checkpoint: Path = (
        PROJECT_ROOT / "skills" / "image_check" / "checkpoint" / "image_check.pt"
    )
    image_check_data: Path = PROJECT_ROOT.parent / "shared" / "data" / "dermamnist"
    image_check_min_side: int = 64
    image_check_heatmap: bool = True
    image_check_threads: int = 1  # CPU threads for one check (see skills/image_check/infer.py)

    # input limits
    max_message_chars: int = 4000
    max_frame_bytes: int = 8 * 1024 * 1024
    max_image_bytes: int = 5 * 1024 * 1024
    max_image_pixels: int = 40_000_000  # width x height, read from the header (decompression bombs)
    rate_limit_per_minute: int = 60
    rate_limit_burst: int = 10

    @property
    def db_path(self) -> Path:
        return self.data_dir / "vita.db"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (values are coerced like environment strings)."""
        return dataclasses.replace(
            self, **{k: _coerce(k, v, "replace()") for k, v in changes.items()}
        )

    @classmethod
    def load(
        cls,
        toml_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build settings from defaults, then ``vita.toml``, then ``VITA_*``, then ``overrides``.

        Args:
            toml_path: file to read; defaults to ``$VITA_CONFIG`` or ``./vita.toml`` if present.
            env: environment to read (``os.environ`` when omitted).
            overrides: explicit values, e.g. from command-line flags; ``None`` values are ignored.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = toml_path or Path(env.get("VITA_CONFIG", "vita.toml"))
        if path.is_file():
            with path.open("rb") as fh:
                try:
                    raw = tomllib.load(fh)
                except tomllib.TOMLDecodeError as exc:
                    raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
            table = raw.get("vita", raw)
            for key, value in table.items():
                values[key] = _coerce(key, value, str(path))
        for name in _FIELDS:
            env_key = f"VITA_{name.upper()}"
            if env_key in env:
                values[name] = _coerce(name, env[env_key], env_key)
        for key, value in overrides.items():
            if value is not None:
                values[key] = _coerce(key, value, "command line")
        return cls(**values)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_HINTS = get_type_hints(Settings)


def _coerce(name: str, value: Any, source: str) -> Any:
    """Turn a TOML or environment value into the field's type, with a readable error."""
    if name not in _FIELDS:
        raise SettingsError(f"{source}: unknown setting {name!r}")
    hint = _HINTS[name]
    try:
        if hint is Path:
            return Path(value).expanduser()
        if hint is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"expected true/false, got {value!r}")
        if hint is int:
            if isinstance(value, bool):
                raise ValueError("expected a whole number")
            return int(value)
        if hint is float:
            return float(value)
        if hint == tuple[str, ...]:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{source}: bad value for {name}: {exc}") from exc


__all__ = ["PROJECT_ROOT", "Settings", "SettingsError"]
