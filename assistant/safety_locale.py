"""Emergency and crisis numbers for a locale, read from ``assistant/data/emergency_numbers.yaml``.

Decisions:
    * The country comes from the region subtag of a BCP 47 / POSIX locale: ``en-US``, ``en_GB``,
      ``en_IE.UTF-8``, ``zh-Hant-TW`` and ``sr-Latn-RS@latin`` all work. Script subtags (four
      letters) and numeric regions (``es-419``) are skipped.
    * A bare language (``fr``, ``en``) does not name a country, so it gets the default entry
      rather than a guess: French is spoken in France, Canada, Belgium and much of Africa, and
      the wrong number is worse than the general advice. A bare upper-case two-letter code
      (``GB``) is read as a country, a lower-case one (``de``) as a language.
    * The default is 112 plus "or your local emergency number": 112 reaches emergency services
      from most mobile phones in the world. It has no crisis line.
    * The table is data, loaded once per path and cached; nothing here touches the network.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

NUMBERS_PATH = Path(__file__).resolve().parent / "data" / "emergency_numbers.yaml"
DEFAULT_COUNTRY = "default"

_SUBTAG_SPLIT = re.compile(r"[-_.@\s]+")


@dataclass(frozen=True)
class Contacts:
    """Who to call in one country: the emergency number and, where known, a crisis line."""

    country: str  # ISO 3166-1 alpha-2 code, or "default"
    number: str
    number_label: str
    crisis_line: str | None
    crisis_label: str | None


@dataclass(frozen=True)
class NumbersTable:
    """The parsed numbers file: one :class:`Contacts` per country, a default, and aliases."""

    countries: dict[str, Contacts]
    default: Contacts
    aliases: dict[str, str]


def _contacts(country: str, entry: Any, where: Path) -> Contacts:
    if not isinstance(entry, dict) or "number" not in entry or "label" not in entry:
        raise ValueError(f"{where}: entry {country!r} needs a number and a label")
    crisis, crisis_label = entry.get("crisis_line"), entry.get("crisis_label")
    if crisis and not crisis_label:
        raise ValueError(f"{where}: entry {country!r} has a crisis line without a label")
    return Contacts(
        country=country,
        number=str(entry["number"]),
        number_label=str(entry["label"]),
        crisis_line=str(crisis) if crisis else None,
        crisis_label=str(crisis_label) if crisis else None,
    )


@functools.lru_cache(maxsize=8)
def load_numbers(path: Path = NUMBERS_PATH) -> NumbersTable:
    """Read and validate the numbers file (cached per path).

    Raises:
        ValueError: an entry lacks its number or label, or the default is missing.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "default" not in raw:
        raise ValueError(f"{path}: a default entry is required")
    countries = {
        str(code).upper(): _contacts(str(code).upper(), entry, path)
        for code, entry in (raw.get("countries") or {}).items()
    }
    aliases = {str(k).upper(): str(v).upper() for k, v in (raw.get("aliases") or {}).items()}
    return NumbersTable(countries, _contacts(DEFAULT_COUNTRY, raw["default"], path), aliases)


def region_of(locale: str | None) -> str | None:
    """The upper-case region subtag of ``locale``, or ``None`` when it names no country.

    >>> region_of("en-us"), region_of("en_GB.UTF-8"), region_of("zh-Hant-TW"), region_of("fr")
    ('US', 'GB', 'TW', None)
    """
    if not locale or not isinstance(locale, str):
        return None
    parts = [p for p in _SUBTAG_SPLIT.split(locale.strip()[:64]) if p]
    if not parts:
        return None
    if len(parts) == 1:
        only = parts[0]
        return only if len(only) == 2 and only.isalpha() and only.isupper() else None
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha() and part.isascii():
            return part.upper()
        if part.lower() in {"utf8", "utf", "latin", "euro"}:
            break
    return None


def contacts_for(locale: str | None, path: Path = NUMBERS_PATH) -> Contacts:
    """Emergency contacts for ``locale`` (``"en-US"``, ``"en_GB"``, ``"de-AT"``, ``None`` ...).

    Unknown or missing locales get the default entry (112 or the local emergency number).
    """
    table = load_numbers(path)
    region = region_of(locale)
    if region is None:
        return table.default
    region = table.aliases.get(region, region)
    return table.countries.get(region, table.default)


__all__ = [
    "DEFAULT_COUNTRY",
    "NUMBERS_PATH",
    "Contacts",
    "contacts_for",
    "load_numbers",
    "region_of",
]
