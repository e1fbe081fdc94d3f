"""Cut a retrieved (Markdown-ish) passage into the sentences an answer may quote.

Index passages keep their section headings as plain lines and their list items on lines of their
own ("- Sometimes blisters"). Quoting those lines one by one would give answers made of fragments,
so:

    * a heading line (``## ...``, or a short line without end punctuation) is not quoted; it
      becomes the *heading* of the sentences under it, which the answer builder uses as context
      ("Usual symptoms of cellulitis" makes its list relevant to "what are the symptoms?");
    * a run of short list items becomes one sentence led by the line that introduced the list or
      by the heading: "Usual symptoms of cellulitis: a painful, hot, swollen area; sometimes
      blisters." Every word of it is still from the passage;
    * list items that are sentences themselves (ending in a full stop, and ten words or more or
      several sentences) are quoted as sentences; a long list is cut into several sentences;
    * links, emphasis and code marks are stripped; table rows are skipped.

``position`` counts sentences within their section, since articles state the essentials first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skills.knowledge.text import split_sentences

_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|`)|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])\s+")
_MAX_LIST_WORDS = 55
_SENTENCE_ITEM_WORDS = 10


@dataclass(frozen=True)
class Unit:
    """A quotable sentence of a passage, the heading it sits under, and its place there."""

    text: str
    heading: str
    position: int


def _plain(line: str) -> str:
    return " ".join(_MD_MARKS.sub("", _MD_LINK.sub(r"\1", line)).split())


def _looks_like_heading(line: str) -> bool:
    return line[-1] not in ".!?:;,)\"'" and len(line.split()) <= 12


def _lower_first(item: str) -> str:
    """ "Sometimes blisters" -> "sometimes blisters"; "A headache" -> "a headache"; "HIV" kept."""
    first = item.split(" ", 1)[0]
    if first[:1].isupper() and first != "I" and (len(first) == 1 or first[1:].islower()):
        return item[0].lower() + item[1:]
    return item


class _Parser:
    def __init__(self, heading: str) -> None:
        self.heading = heading
        self.lead = ""
        self.position = 0
        self.items: list[str] = []
        self.units: list[Unit] = []

    def emit(self, text: str) -> None:
        self.units.append(Unit(text, self.heading, self.position))
        self.position += 1

    def new_section(self, heading: str) -> None:
        self.flush()
        self.heading, self.lead, self.position = heading, "", 0

    def flush(self) -> None:
        """A run of short list items as one sentence, led by its lead-in or heading."""
        if not self.items:
            return
        lead = self.lead or self.heading
        groups: list[list[str]] = [[]]
        words = 0
        for item in self.items:  # a long list becomes several sentences, each with the lead
            words += len(item.split())
            if groups[-1] and words > _MAX_LIST_WORDS:
                groups.append([])
                words = len(item.split())
            groups[-1].append(item)
        for group in groups:
            body = "; ".join(_lower_first(i) if lead else i for i in group)
            self.emit(f"{lead}: {body}." if lead else f"{body}.")
        self.items = []
        self.lead = ""

    def item(self, body: str) -> None:
        sentences = split_sentences(body)
        ended = body[-1] in ".!?"
        if ended and (len(body.split()) >= _SENTENCE_ITEM_WORDS or len(sentences) > 1):
            self.flush()
            for sentence in sentences:
                self.emit(sentence)
        else:
            self.items.append(body.rstrip(" .;,"))

    def paragraph(self, line: str) -> None:
        self.flush()
        self.lead = ""
        sentences = split_sentences(line)
        if sentences and sentences[-1].endswith(":"):
            self.lead = sentences.pop().rstrip(":").strip()
        for sentence in sentences:
            self.emit(sentence)


def sentence_units(text: str, section: str = "") -> list[Unit]:
    """The quotable sentences of a passage in order (see the module docstring).

    Args:
        text: the passage text.
        section: the heading the passage starts under (``metadata["section"]``), if known.
    """
    parser = _Parser(section)
    lines = [_plain(line) for line in text.splitlines()]
    for i, line in enumerate(lines):
        if not line or line.startswith("|"):  # tables cannot be quoted as sentences
            parser.flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            parser.new_section(heading.group(1))
            continue
        item = _LIST_ITEM.match(line)
        if item:
            body = line[item.end() :].strip()
            if body:
                parser.item(body)
            continue
        following = next((nxt for nxt in lines[i + 1 :] if nxt), "")
        if following and _looks_like_heading(line):
            parser.new_section(line)
            continue
        parser.paragraph(line)
    parser.flush()
    return parser.units
