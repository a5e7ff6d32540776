"""The catalog's data model and its loader/validator.

A pattern file (``patterns/<id>.toml``) says what a failure looks like in
events, in the manner of a Sigma rule: *required* evidence groups (all must be
met), *supporting* ones (raise confidence), *contradicting* ones (lower it, or
veto).  A group is met when any of its conditions is.  Conditions name an
event kind from ``diagnose.events.KINDS`` and constrain its attributes; the
loader rejects unknown kinds, attributes and keys, naming the file and key.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from ..errors import CatalogError
from ..events import KINDS

ENVELOPE_ATTRS = ("peer", "ike_name", "side")
SCOPES = ("session", "peer", "input", "all")
SIDES = ("server", "client")
REGEX_TIMEOUT = 0.05


@dataclass(slots=True)
class Condition:
    event: str
    where: dict[str, Any] = field(default_factory=dict)  # attr -> value | [values] | "re:..." | {not=...}
    has: list[str] = field(default_factory=list)  # payload tokens that must be present
    lacks: list[str] = field(default_factory=list)  # payload tokens that must be absent
    side: str | None = None
    absent: bool = False  # met when NO event matches
    min_count: int = 1
    capture: dict[str, str] = field(default_factory=dict)  # template name -> attribute
    compiled: dict[str, Any] = field(default_factory=dict)  # "re:..." spec -> compiled regex
    where_plan: Any = None  # the engine's pre-sorted form of ``where``, built on first use


@dataclass(slots=True)
class Group:
    name: str
    any: list[Condition]
    weight: float = 0.0
    veto: bool = False
    both_sides: bool = False  # met only when conditions match on both server and client side


@dataclass(slots=True)
class Decisive:
    """Lines a strongSwan expert would conclude the failure from alone (a pasted fragment).

    Met when every condition in ``all`` is met by some event of the unit; the engine then
    reports the pattern at ``confidence`` unless the unit contradicts one of its required
    groups (shows the context the group is about, without the evidence it needs).
    """

    name: str
    all: list[Condition]
    confidence: float
    confirm: str = ""  # which missing context would confirm it, and what to paste next


@dataclass(slots=True)
class Snippet:
    lang: str
    title: str
    text: str


@dataclass(slots=True)
class Pattern:
    id: str
    title: str
    path: str
    sides: list[str]
    root_cause: str
    fix: str
    base_confidence: float
    required: list[Group]
    supporting: list[Group] = field(default_factory=list)
    contradicting: list[Group] = field(default_factory=list)
    decisive: list[Decisive] = field(default_factory=list)
    scope: str = "session"
    suppresses: list[str] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    affects: list[str] = field(default_factory=list)
    evidence_status: str = "verified"
    single_side_confidence: str = ""
    confirming_evidence: str = ""
    explain: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


_TOP_KEYS = {
    "id", "title", "sides", "root_cause", "fix", "base_confidence", "required", "supporting", "contradicting",
    "scope", "suppresses", "snippets", "references", "affects", "evidence_status", "single_side_confidence",
    "confirming_evidence", "explain", "config", "tests", "severity", "decisive",
}
_DECISIVE_KEYS = {"name", "all", "confidence", "confirm"}
_GROUP_KEYS = {"name", "any", "weight", "veto", "both_sides"}
_COND_KEYS = {"event", "where", "has", "lacks", "side", "absent", "min_count", "capture"}


def _table(path: str, key: str, raw: Any, allowed: set[str]) -> dict[str, Any]:
    """A TOML table with only the keys the catalog knows (a typo is an error, not ignored)."""
    if not isinstance(raw, dict):
        raise CatalogError(path, key, "must be a table")
    unknown = set(raw) - allowed
    if unknown:
        raise CatalogError(path, key, f"unknown keys {sorted(unknown)}")
    return raw


def _cond(path: str, key: str, raw: Any) -> Condition:
    raw = _table(path, key, raw, _COND_KEYS)
    kind = raw.get("event")
    if kind not in KINDS:
        raise CatalogError(path, f"{key}.event", f"unknown event kind {kind!r}")
    where = raw.get("where", {})
    allowed = set(KINDS[kind]) | set(ENVELOPE_ATTRS)
    for attr in list(where) + list(raw.get("capture", {}).values()):
        if attr not in allowed:
            raise CatalogError(path, f"{key}.where.{attr}", f"event {kind!r} has no attribute {attr!r}")
    if (raw.get("has") or raw.get("lacks")) and kind != "message":
        raise CatalogError(path, key, "has/lacks apply to 'message' events only")
    side = raw.get("side")
    if side is not None and side not in SIDES:
        raise CatalogError(path, f"{key}.side", f"must be one of {SIDES}")
    c = Condition(event=kind, where=dict(where), has=list(raw.get("has", [])), lacks=list(raw.get("lacks", [])),
                  side=side, absent=bool(raw.get("absent", False)), min_count=int(raw.get("min_count", 1)),
                  capture=dict(raw.get("capture", {})))
    specs = [(f"where.{a}", v) for a, value in c.where.items()
             for v in (value if isinstance(value, list) else [value])]
    specs += [(f"where.{a}", value["not"]) for a, value in c.where.items() if isinstance(value, dict) and "not" in value]
    specs += [("has", t) for t in c.has] + [("lacks", t) for t in c.lacks]
    for attr, v in specs:
        if isinstance(v, str) and v.startswith("re:"):
            try:
                c.compiled[v] = regex.compile(v[3:])
            except regex.error as exc:
                raise CatalogError(path, f"{key}.{attr}", f"bad regex: {exc}") from exc
            check_regex_safety(path, f"{key}.{attr}", c.compiled[v])
    return c


_CLASS_REPS = {"d": "1", "w": "a", "s": " ", "D": "a", "W": "-", "S": "a"}


def _probes(rx: Any) -> list[str]:
    """Fixed probes plus runs of every literal character and class in the pattern, then a mismatch.

    Catastrophic backtracking needs a long run the pattern can split many ways
    and a failing end; runs of the pattern's own characters (and pairs of
    them) provide exactly that for ``(x+x+)+y``, ``(.*,)*z``, ``(\\d+|\\d+\\.)+#``.
    """
    probes = ["a" * 5000 + "!", " " * 5000 + "x", "IKE:" + "A/" * 2000 + "!", "(" * 2000, "0" * 5000 + "z"]
    src = rx.pattern
    chars: list[str] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\" and i + 1 < len(src):
            chars.append(_CLASS_REPS.get(src[i + 1], src[i + 1]))
            i += 2
            continue
        if c not in "()[]{}?*+|^$" and c.isprintable():
            chars.append("a" if c == "." else c)
        i += 1
    uniq = list(dict.fromkeys(chars))[:16]
    probes += [c * 3000 + "\x00" for c in uniq]
    probes += [(a + b) * 1500 + "\x00" for a in uniq[:8] for b in uniq[:8] if a != b]
    return probes


def _backtracking_shape(pattern: str) -> bool:
    """Whether a pattern has what catastrophic backtracking needs: a quantified group, or two or
    more unbounded quantifiers (``(a+)+``, ``(x|xy)*``, ``.*,.*,.*z``). Most catalog patterns are
    alternations of words (``re:(?i)signature|RSA|ECDSA``) and need no probing."""
    unbounded = 0
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1  # a literal ']' first in the class
        elif c in "*+":
            unbounded += 1
        elif c == "{" and regex.match(r"\{\d*,\}", pattern[i:]):
            unbounded += 1
        elif c == ")" and pattern[i + 1:i + 2] in ("*", "+", "?", "{"):
            return True
        i += 1
    return unbounded >= 2


def check_regex_safety(path: str, key: str, rx: Any) -> None:
    """Reject patterns that backtrack catastrophically on crafted input."""
    if not _backtracking_shape(rx.pattern):
        return
    for probe in _probes(rx):
        try:
            rx.search(probe, timeout=0.5)
        except TimeoutError as exc:
            raise CatalogError(path, key, "regex backtracks catastrophically; simplify it") from exc


def _group(path: str, key: str, raw: Any) -> Group:
    raw = _table(path, key, raw, _GROUP_KEYS)
    conds = raw.get("any")
    if not isinstance(conds, list) or not conds:
        raise CatalogError(path, f"{key}.any", "needs a non-empty list of conditions")
    return Group(name=str(raw.get("name", key)), any=[_cond(path, f"{key}.any[{i}]", c) for i, c in enumerate(conds)],
                 weight=float(raw.get("weight", 0.0)), veto=bool(raw.get("veto", False)),
                 both_sides=bool(raw.get("both_sides", False)))


def _decisive(path: str, key: str, raw: Any, base: float) -> Decisive:
    raw = _table(path, key, raw, _DECISIVE_KEYS)
    conds = raw.get("all")
    if not isinstance(conds, list) or not conds:
        raise CatalogError(path, f"{key}.all", "needs a non-empty list of conditions")
    parsed = [_cond(path, f"{key}.all[{i}]", c) for i, c in enumerate(conds)]
    if all(c.absent for c in parsed):
        raise CatalogError(path, f"{key}.all", "decisive lines are lines that are there: at least one condition "
                                               "without 'absent' (an absent one only says what must not follow)")
    conf = float(raw.get("confidence", 0.5))
    if not 0 < conf < base:
        raise CatalogError(path, f"{key}.confidence", f"must be in (0, base_confidence={base}): a fragment "
                           "never outranks the whole rule")
    return Decisive(name=str(raw.get("name", key)), all=parsed, confidence=conf,
                    confirm=reflow(str(raw.get("confirm", ""))))


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph (TOML multi-line strings keep them)."""
    paras = [" ".join(line.strip() for line in p.splitlines() if line.strip()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paras if p)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(str(path), "(file)", f"cannot read: {exc}") from exc


def load_pattern(path: Path, raw: dict[str, Any] | None = None) -> Pattern:
    """One pattern file (``raw``: its TOML already read) validated into a Pattern."""
    p = str(path)
    if raw is None:
        raw = _read(path)
    _table(p, "(top level)", raw, _TOP_KEYS)
    for key in ("id", "title", "root_cause", "fix", "required"):
        if key not in raw:
            raise CatalogError(p, key, "missing")
    if raw["id"] != path.stem:
        raise CatalogError(p, "id", f"must equal the file name ({path.stem!r})")
    sides = raw.get("sides", ["server", "client"])
    if not set(sides) <= set(SIDES):
        raise CatalogError(p, "sides", f"must be a subset of {SIDES}")
    scope = raw.get("scope", "session")
    if scope not in SCOPES:
        raise CatalogError(p, "scope", f"must be one of {SCOPES}")
    status = raw.get("evidence_status", "verified")
    if status not in ("verified", "unverified"):
        raise CatalogError(p, "evidence_status", "must be 'verified' or 'unverified'")
    conf = float(raw.get("base_confidence", 0.6))
    if not 0 < conf <= 1:
        raise CatalogError(p, "base_confidence", "must be in (0, 1]")
    snippets = []
    for i, s in enumerate(raw.get("snippets", [])):
        if not isinstance(s, dict) or "text" not in s:
            raise CatalogError(p, f"snippets[{i}]", "needs at least 'text'")
        snippets.append(Snippet(lang=s.get("lang", "text"), title=s.get("title", ""), text=s["text"]))
    return Pattern(
        id=raw["id"], title=raw["title"], path=p, sides=list(sides), root_cause=reflow(raw["root_cause"]),
        fix=reflow(raw["fix"]), base_confidence=conf,
        required=[_group(p, f"required[{i}]", g) for i, g in enumerate(raw["required"])],
        supporting=[_group(p, f"supporting[{i}]", g) for i, g in enumerate(raw.get("supporting", []))],
        contradicting=[_group(p, f"contradicting[{i}]", g) for i, g in enumerate(raw.get("contradicting", []))],
        decisive=[_decisive(p, f"decisive[{i}]", d, conf) for i, d in enumerate(raw.get("decisive", []))],
        scope=scope, suppresses=list(raw.get("suppresses", [])), snippets=snippets,
        references=list(raw.get("references", [])), affects=list(raw.get("affects", [])),
        evidence_status=status, single_side_confidence=raw.get("single_side_confidence", ""),
        confirming_evidence=raw.get("confirming_evidence", ""), explain=raw.get("explain", ""), raw=raw)


def patterns_dir() -> Path:
    """Where the catalog lives: $IKEDOCTOR_PATTERNS, the source tree, or the installed share dir."""
    env = os.environ.get("IKEDOCTOR_PATTERNS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "patterns"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "ikedoctor" / "patterns"


_CACHE: dict[tuple, list[Pattern]] = {}


def load_catalog(folder: Path | None = None) -> list[Pattern]:
    """Load and validate the catalog; reloaded only when a file changes (batch loads it per case)."""
    folder = folder or patterns_dir()
    if not folder.is_dir():
        raise CatalogError(str(folder), "(folder)", "catalog folder not found; set IKEDOCTOR_PATTERNS")
    files = sorted(folder.glob("*.toml"))
    key = (str(folder.resolve()), tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _load_folder(files)
    return list(_CACHE[key])


def _load_folder(files: list[Path]) -> list[Pattern]:
    # data files that are not failure patterns (defaults, config rules) carry no 'required'
    patterns = [load_pattern(f, raw) for f in files if "required" in (raw := _read(f))]
    ids = {pt.id for pt in patterns}
    for pt in patterns:
        for s in pt.suppresses:
            if s not in ids:
                raise CatalogError(pt.path, "suppresses", f"unknown pattern id {s!r}")
    return patterns
