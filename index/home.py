"""Where an index lives, what it is built from, and when it must be rebuilt.

An :class:`IndexHome` is a folder (``<data_dir>/index`` by default)::

    sources.json   the sources this index is built from (absent: the default corpus only)
    current/       the built index (see :mod:`index.store`)
    .lock          taken while checking and building, so two processes never build at once

``ensure()`` loads ``current/`` when its manifest matches the sources' content hash, the embedding
model and the format version; otherwise it rebuilds (reusing the old vectors of unchanged
passages), writes the new index beside the old one and swaps folders, so a reader never sees a
half-written index. ``status()`` says whether a rebuild is due and why, without building.

Decisions:
    * ``vita index add`` records a source here and rebuilds; ``vita index build --source ...``
      replaces the recorded list. The runtime builds from the same list, so the server and the
      command line always agree on what the index should contain.
    * A damaged ``current/`` (unreadable file, inconsistent counts) is rebuilt with a warning, not
      loaded and not fatal.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.build import BuildConfig, build_index, corpus_hash
from index.embed import Embedder
from index.progress import NullProgress, Progress
from index.sources import SourceError, SourceSpec
from index.store import FORMAT_VERSION, IndexError_, IndexStore, Manifest

log = logging.getLogger("vita.index")


@dataclass(frozen=True)
class Status:
    """Whether the saved index can be used as it is; ``reason`` says why not."""

    manifest: Manifest | None
    fresh: bool
    reason: str
    corpus_hash: str


class IndexHome:
    """One index folder and the sources it is built from."""

    def __init__(
        self,
        root: Path,
        default_sources: Sequence[SourceSpec] = (),
        config: BuildConfig | None = None,
    ) -> None:
        self.root = root
        self.current = root / "current"
        self.default_sources = list(default_sources)
        self.config = config or BuildConfig()

    # ------------------------------------------------------------------ sources

    def sources(self) -> list[SourceSpec]:
        """The recorded sources, or the default corpus when none were recorded."""
        path = self.root / "sources.json"
        if not path.is_file():
            return list(self.default_sources)
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [SourceSpec(Path(r["path"]), r.get("format", "auto")) for r in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{path} is damaged ({exc}); fix it or delete it") from exc

    def set_sources(self, sources: Sequence[SourceSpec]) -> list[SourceSpec]:
        """Record ``sources`` (resolved, so a relative path keeps meaning what it meant)."""
        resolved = [s.resolved() for s in sources]
        self._make_root()
        (self.root / "sources.json").write_text(
            json.dumps([s.to_dict() for s in resolved], indent=2), encoding="utf-8"
        )
        return resolved

    def add_source(self, source: SourceSpec) -> list[SourceSpec]:
        """Append a source to the recorded list (a source already there is not added twice)."""
        spec = source.resolved()
        current = [s.resolved() for s in self.sources()]
        if spec not in current:
            current.append(spec)
        return self.set_sources(current)

    # ------------------------------------------------------------------ state

    def status(self, embedder: Embedder) -> Status:
        """Compare the saved manifest with the sources and the model (reads every source file)."""
        digest = corpus_hash([s.resolved() for s in self.sources()], self.config)
        try:
            manifest = Manifest.read(self.current)
        except IndexError_ as exc:
            return Status(None, False, str(exc), digest)
        reason = ""
        if manifest.version != FORMAT_VERSION:
            reason = f"index format changed ({manifest.version} -> {FORMAT_VERSION})"
        elif (manifest.embedder, manifest.dim) != (embedder.name, embedder.dim):
            reason = (
                f"embedding model changed ({manifest.embedder}/{manifest.dim} -> "
                f"{embedder.name}/{embedder.dim})"
            )
        elif manifest.corpus_hash != digest:
            reason = "the corpus changed"
        return Status(manifest, not reason, reason or "up to date", digest)

    def load(self) -> IndexStore:
        return IndexStore.load(self.current)

    def ensure(
        self, embedder: Embedder, progress: Progress | None = None, force: bool = False
    ) -> tuple[IndexStore, bool]:
        """The up-to-date index, built if needed; returns ``(store, whether it was built)``."""
        with self._lock():
            status = self.status(embedder)
            previous = None
            if status.fresh and not force:
                try:
                    return self.load(), False
                except IndexError_ as exc:
                    log.warning("%s; rebuilding", exc)
            elif status.manifest is not None:
                log.info("rebuilding the index because %s", status.reason)
            else:
                log.info("building the index in %s (first start: %s)", self.root, status.reason)
            if status.manifest is not None:
                with contextlib.suppress(IndexError_):
                    previous = self.load()  # its vectors are a cache for unchanged passages
            store = build_index(
                self.sources(),
                embedder,
                self.config,
                progress or NullProgress(),
                previous=previous,
                warn=lambda m: log.warning("%s", m),
            )
            self._install(store)
            return store, True

    def rebuild(self, embedder: Embedder, progress: Progress | None = None) -> IndexStore:
        return self.ensure(embedder, progress, force=True)[0]

    # ------------------------------------------------------------------ files

    def _install(self, store: IndexStore) -> None:
        staging = self.root / f"building-{os.getpid()}"
        retired = self.root / f"retired-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        store.save(staging)
        if self.current.exists():
            self.current.rename(retired)
        staging.rename(self.current)
        shutil.rmtree(retired, ignore_errors=True)

    def _make_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"cannot create the index folder {self.root}: {exc}") from exc

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self._make_root()
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: one process at a time is on the user
            yield
            return
        with (self.root / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
