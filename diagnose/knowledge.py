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
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .catalog.model import patterns_dir
from .parsers.charon_table import Reference


@dataclass(slots=True, frozen=True)
class Meaning:
    format: str
    severity: str  # error | warning
    topic: str
    meaning: str
    look_at: tuple[str, ...] = ()


@dataclass(slots=True)
class Knowledge:
    #: the notable formats indexed like the reference of every charon format (first word,
    #: literal gate, regexes compiled on first use): the same matcher serves both
    formats: Reference = field(default_factory=lambda: Reference({}, []))
    by_format: dict[str, Meaning] = field(default_factory=dict)
    topics: dict[str, Meaning] = field(default_factory=dict)
    #: error notify name -> what receiving it means (RFC 7296 / RFC 2408 semantics)
    notifies: dict[str, Meaning] = field(default_factory=dict)
    #: format -> (text it contains, meaning) of the cases one format string covers
    variants: dict[str, list[tuple[str, Meaning]]] = field(default_factory=dict)

    def topic(self, name: str) -> Meaning:
        """What a line of this topic means when its exact message is not known."""
        return self.topics.get(name) or self.topics.get("other") or Meaning("", "error", name, "")

    def match(self, msg: str) -> Meaning | None:
        """The meaning of one bare charon message, or None if it is no known error/warning."""
        fmt = self.formats.format_of(msg)
        return None if fmt is None else self.by_format[fmt]

    def refine(self, meaning: Meaning, text: str) -> Meaning:
        """A line's meaning by what it names: a format's variant whose text it contains ("no
        virtual IP found for %any6 ..." is not "... for %any ..."), or the notify it names
        ("received AUTHENTICATION_FAILED notify error" says more than "received %N notify
        error"). The variant's key keeps it apart from the plain format's."""
        for contains, variant in self.variants.get(meaning.format, ()):
            if contains in text:
                return variant
        if "notify" not in meaning.format:
            return meaning
        known = self.notify_in(text)
        return meaning if known is None else replace(known, format=f"{meaning.format} [{known.format}]",
                                                     severity=meaning.severity)

    def notify_in(self, text: str) -> Meaning | None:
        """The meaning of the first error notify a line names, keyed by the notify's name."""
        for word in _NOTIFY_WORD.findall(text):
            known = self.notifies.get(word)
            if known is not None:
                return known
        return None


_NOTIFY_WORD = re.compile(r"\b[A-Z][A-Z0-9_]{3,}\b")


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
    for name, n in meanings.get("notify", {}).items():
        k.notifies[name] = Meaning(format=name, severity="error", topic="notify", meaning=n.get("meaning", ""),
                                   look_at=tuple(n.get("look_at", ())))
    for name, t in topics.items():
        k.topics[name] = Meaning(format="", severity=t.get("severity", "error"), topic=name,
                                 meaning=t.get("meaning", ""), look_at=tuple(t.get("look_at", ())))
    for r in rows:
        fmt = r["format"]
        topic = topics.get(r["topic"]) or topics.get("other", {})
        own = {**topic, **formats.get(fmt, {})}  # a format's own entry, its topic's for what it leaves out
        m = Meaning(format=fmt, severity=own.get("severity", r["severity"]), topic=r["topic"], meaning=own.get("meaning", ""),
                    look_at=tuple(own.get("look_at", ())))
        first = fmt.split(" ", 1)[0]
        (k.formats.by_word.setdefault(first, []) if "%" not in first else k.formats.floating).append(fmt)
        k.by_format[fmt] = m
        for v in formats.get(fmt, {}).get("variants", ()):
            k.variants.setdefault(fmt, []).append((v["contains"], Meaning(
                format=f"{fmt} [{v['contains']}]", severity=v.get("severity", m.severity), topic=m.topic,
                meaning=v.get("meaning", m.meaning), look_at=tuple(v.get("look_at", m.look_at)))))
    return k


#: wording that says something went wrong: the rule that picked the notable formats out of
#: strongSwan's source (scripts/build-message-knowledge.py), and the one for messages the
#: reference does not have (another release, a frontend such as the Android app)
ERROR = re.compile(
    r"\bfail(ed|ure|s)?\b|\bunable\b|\bcannot\b|can't|could not|couldn't|\bnot found\b|\bno\b.*\bfound\b|"
    r"unacceptable|inacceptable|\binvalid\b|\berror\b|\brejected\b|\bdenied\b|\bmissing\b|does not match|"
    r"doesn't match|not supported|unsupported|\bexpired\b|\brevoked\b|\bis full\b|not responding|giving up|"
    r"\bviolat|\btoo (large|many|long|short)\b|\bnot allowed\b|\bmismatch|\bwithout\b.*\bconfig|untrusted|"
    r"not trusted|\bno trusted\b|\bexceed|\bno\b[^,;:]*\b(defined|configured|available)\b", re.I)
WARNING = re.compile(r"\bretransmit|\bignor(e|ing)\b|\bdropping\b|\bdiscard|\bhalf open\b|\btimeout\b|"
                     r"\bunknown\b|\bnot (re)?authenticate|\bduplicate\b|\bdeleting\b.*\bdue to\b|"
                     r"\bclosing\b.*\bnot\b|\bunexpected\b|\bretry(ing)?\b", re.I)


#: messages that name a missing thing and then say what charon does instead: no failure
BENIGN = re.compile(r"\bdefault(s)? to\b|, using\b|\bfall(s|ing)? back\b", re.I)


def wording_severity(fmt: str) -> str | None:
    """``error``/``warning`` by what a message's words say, or None."""
    if BENIGN.search(fmt):
        return None
    if ERROR.search(fmt):
        return "error"
    if WARNING.search(fmt):
        return "warning"
    return None
