"""What charon's error and warning lines mean, for lines no catalog entry explains.

charon prints no severity. ``patterns/knowledge/charon-notable.tsv`` (derived from strongSwan's
own format strings by ``scripts/build-message-knowledge.py``) lists the formats whose wording
says something went wrong; ``patterns/knowledge/meanings.toml`` says, per format or per topic,
what that means to a support engineer and which settings to look at. The charon parser turns
such lines into ``log_notable`` events, so a paste of only "the line that mattered" is never
read as nothing, and the report lists what no finding explains (``notable_lines``).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .catalog.model import patterns_dir
from .parsers.charon_table import MATCH_TIMEOUT, compile_format, literals_of


@dataclass(slots=True, frozen=True)
class Meaning:
    format: str
    severity: str  # error | warning
    topic: str
    meaning: str
    look_at: tuple[str, ...] = ()


@dataclass(slots=True)
class _Rule:
    """One format; its regex is compiled the first time a line passes its literal gate (a paste
    meets a handful of the ~1,300 formats, and compiling them all would dominate a short run)."""

    meaning: Meaning
    literals: tuple[str, ...]
    _rx: Any = None

    @property
    def rx(self) -> Any:
        if self._rx is None:
            self._rx = compile_format(self.meaning.format)[0]
        return self._rx


@dataclass(slots=True)
class Knowledge:
    by_word: dict[str, list[_Rule]] = field(default_factory=dict)
    floating: list[_Rule] = field(default_factory=list)
    by_format: dict[str, Meaning] = field(default_factory=dict)

    def match(self, msg: str) -> Meaning | None:
        """The meaning of one bare charon message, or None if it is no known error/warning."""
        msg = msg.strip()
        for rule in (*self.by_word.get(msg.split(" ", 1)[0], ()), *self.floating):
            if any(lit not in msg for lit in rule.literals):
                continue
            try:
                if rule.rx.match(msg, timeout=MATCH_TIMEOUT):
                    return rule.meaning
            except TimeoutError:
                continue
        return None


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    folder = patterns_dir() / "knowledge"
    k = Knowledge()
    if not (folder / "charon-notable.tsv").is_file():
        return k
    meanings = tomllib.loads((folder / "meanings.toml").read_text("utf-8"))
    topics: dict[str, dict[str, Any]] = meanings.get("topic", {})
    formats = {f["format"]: f for f in meanings.get("format", [])}
    rows = csv.DictReader((folder / "charon-notable.tsv").read_text("utf-8").splitlines(), delimiter="\t",
                          quoting=csv.QUOTE_NONE)
    for r in rows:
        fmt = r["format"]
        topic = topics.get(r["topic"]) or topics.get("other", {})
        own = {**topic, **formats.get(fmt, {})}  # a format's own entry, its topic's for what it leaves out
        m = Meaning(format=fmt, severity=own.get("severity", r["severity"]), topic=r["topic"], meaning=own.get("meaning", ""),
                    look_at=tuple(own.get("look_at", ())))
        first = fmt.split(" ", 1)[0]
        rule = _Rule(m, literals_of(fmt))
        (k.by_word.setdefault(first, []) if "%" not in first else k.floating).append(rule)
        k.by_format[fmt] = m
    return k
