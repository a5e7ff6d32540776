"""charon's message table: its own printf formats compiled into matchers.

The table (``data/charon_messages.toml``) lists charon format strings verbatim;
this module turns each into an anchored regex, indexes them by their first
literal word so a line is tried against a handful of candidates only, and
builds event attributes from the captures.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import regex

from ..events import KINDS

#: charon printf conversions -> capture regex.  Identities, enum names and
#: selectors can contain spaces, so they are lazy; addresses cannot.
_SPEC = {
    "%s": r"(.*?)", "%.*s": r"(.*?)", "%Y": r"(.*?)", "%N": r"(.+?)", "%V": r"(.+?)", "%T": r"(.+?)",
    "%H": r"([^\s\[\]]+)", "%#H": r"([^\s\[\]]+(?:\[\d+\])?)",
    "%P": r"(.*)", "%#P": r"(.*)", "%R": r"(.*?)", "%#R": r"(.*?)",
    "%d": r"(-?\d+)", "%u": r"(\d+)", "%zu": r"(\d+)", "%zd": r"(-?\d+)", "%llu": r"(\d+)", "%lu": r"(\d+)",
    "%hu": r"(\d+)", "%.8x": r"([0-9a-fA-F]{8})", "%08x": r"([0-9a-fA-F]{8})", "%02X": r"([0-9A-Fa-f]{2})", "%.2x": r"([0-9a-fA-F]{2})",
    "%B": r"(.*)", "%#B": r"(.*)", "%b": r"(.*)",
}
_SPEC_RX = regex.compile(r"%%|" + "|".join(regex.escape(k) for k in sorted(_SPEC, key=len, reverse=True)))

MATCH_TIMEOUT = 0.05  # seconds; a pathological line must not hang a batch


@dataclass(slots=True)
class MessageRule:
    kind: str
    format: str
    rx: Any
    attrs: dict[str, Any]
    first_word: str | None  # literal first word used to index the rule
    #: literal fragments every matching message contains: checked with ``in`` before the regex,
    #: which rejects almost every non-matching line at C speed (the regex runs only on likely hits)
    literals: tuple[str, ...] = ()
    #: ``attrs`` with ``$n`` references pre-split, so building an event does not re-parse them
    plan: tuple[tuple[str, bool, Any], ...] = ()  # (key, is envelope key, compiled value)


def literals_of(fmt: str) -> tuple[str, ...]:
    """The fixed text between conversions, longest first (only pieces of 3+ characters)."""
    pieces = [p.replace("%%", "%") for p in _SPEC_RX.split(fmt.strip().replace("%%", "\x00"))]
    pieces = [p.replace("\x00", "%") for p in pieces]
    return tuple(sorted({p for p in pieces if len(p) >= 3}, key=len, reverse=True))


def compile_value(value: Any) -> Any:
    """Pre-split a ``$n`` attribute value; ``resolve_plan`` gives what ``resolve`` would."""
    if not isinstance(value, str) or "$" not in value:
        return ("lit", value)
    tokens = []
    for token in value.split(" "):
        if token.startswith("$") and token[1:].lstrip("-").isdigit():
            tokens.append((True, int(token[1:])))
        else:
            tokens.append((False, token))
    return ("ref", tuple(tokens))


def _static(compiled: Any, ngroups: int) -> Any:
    """Resolve a lone ``$n`` against the regex's group count now: ``("grp", i)`` means ``m.group(i)``."""
    kind, data = compiled
    if kind == "ref" and len(data) == 1 and data[0][0]:
        n = data[0][1]
        if n == 0:
            return ("grp", 0)
        if -ngroups <= n <= ngroups:
            return ("grp", n if n > 0 else ngroups + 1 + n)
        return ("lit", None)
    return compiled


def resolve_plan(compiled: Any, m: Any) -> Any:
    kind, data = compiled
    if kind == "lit":
        return data
    if kind == "grp":
        return m.group(data)
    parts = []
    groups = None
    for is_ref, v in data:
        if not is_ref:
            parts.append(v)
        elif v == 0:
            parts.append(m.group(0))
        else:
            if groups is None:
                groups = m.groups()
            if -len(groups) <= v <= len(groups):
                parts.append(groups[v - 1] if v > 0 else groups[v])
            else:
                parts.append(None)
    if len(parts) == 1:
        return parts[0]
    return " ".join(p for p in parts if p)


def compile_format(fmt: str, enum_tokens: bool = False) -> tuple[Any, str | None]:
    """Turn a charon format string into an anchored regex and its leading literal word.

    ``enum_tokens``: the format's ``%N`` print enum names without spaces (EAP_NAK,
    EAP_FAILURE), so a generic format such as ``received %N, sending %N`` cannot swallow a
    sentence of another message.
    """
    fmt = fmt.strip()
    out, pos = [], 0
    for m in _SPEC_RX.finditer(fmt):
        out.append(regex.escape(fmt[pos:m.start()]))
        spec = m.group()
        out.append("%" if spec == "%%" else r"([^\s,]+)" if enum_tokens and spec == "%N" else _SPEC[spec])
        pos = m.end()
    out.append(regex.escape(fmt[pos:]))
    first = fmt.split(" ", 1)[0]
    first_word = None if "%" in first else first
    return regex.compile("^" + "".join(out) + "$"), first_word


def _load_rules() -> list[MessageRule]:
    data = tomllib.loads(resources.files(__package__).joinpath("data/charon_messages.toml").read_text("utf-8"))
    rules: list[MessageRule] = []
    for entry in data["message"]:
        kind = entry["kind"]
        if kind not in KINDS:
            raise ValueError(f"charon_messages.toml: unknown event kind {kind!r}")
        attrs = dict(entry.get("attrs", {}))
        bad = {k for k in attrs if not k.startswith("_")} - set(KINDS[kind])
        if bad:
            raise ValueError(f"charon_messages.toml: {kind}: undocumented attributes {sorted(bad)}")
        fmts = list(entry.get("formats", []))
        if "format" in entry:
            fmts.insert(0, entry["format"])
        for fmt in fmts:
            rx, first = compile_format(fmt, bool(entry.get("enum_tokens", False)))
            plan = tuple((k, k.startswith("_"), _static(compile_value(v), rx.groups)) for k, v in attrs.items())
            rules.append(MessageRule(kind, fmt, rx, attrs, first, literals_of(fmt), plan))
    return rules


@dataclass(slots=True)
class Table:
    by_word: dict[str, list[MessageRule]]
    floating: list[MessageRule]  # formats that start with a conversion

    def match(self, msg: str) -> tuple[MessageRule, Any] | None:
        word = msg.split(" ", 1)[0]
        for rule in (*self.by_word.get(word, ()), *self.floating):
            for lit in rule.literals:  # cheap literal gate: most lines miss most rules
                if lit not in msg:
                    break
            else:
                lit = None
            if lit is not None:
                continue
            try:
                m = rule.rx.match(msg, timeout=MATCH_TIMEOUT)
            except TimeoutError:  # a pathological line: this rule cannot place it, try the next
                continue
            if m:
                return rule, m
        return None


@lru_cache(maxsize=1)
def table() -> Table:
    by_word: dict[str, list[MessageRule]] = {}
    floating: list[MessageRule] = []
    for rule in _load_rules():
        if rule.first_word:
            by_word.setdefault(rule.first_word, []).append(rule)
        else:
            floating.append(rule)
    return Table(by_word, floating)


def resolve(value: Any, m: Any) -> Any:
    """``$n`` -> capture n, ``$-n`` -> n-th capture from the end, ``$0`` -> whole message."""
    if not isinstance(value, str) or "$" not in value:
        return value
    parts = []
    for token in value.split(" "):
        if token.startswith("$") and token[1:].lstrip("-").isdigit():
            n = int(token[1:])
            groups = m.groups()
            if n == 0:
                parts.append(m.group(0))
            elif -len(groups) <= n <= len(groups) and n != 0:
                parts.append(groups[n - 1] if n > 0 else groups[n])
            else:
                parts.append(None)
        else:
            parts.append(token)
    if len(parts) == 1:
        return parts[0]
    return " ".join(p for p in parts if p)


@lru_cache(maxsize=1)
def notify_names() -> dict[str, tuple[str, str]]:
    """short name (as in payload lists) -> (full name, class error|status)."""
    text = resources.files(__package__).joinpath("data/notify-types.tsv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return {r["short_name"]: (r["name"], r["class"]) for r in rows}


def split_payloads(body: str) -> list[str]:
    """Split ``IDi N(INIT_CONTACT) CPRQ(ADDR DNS) SA`` at spaces outside parentheses."""
    tokens, depth, cur = [], 0, []
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == " " and depth == 0:
            if cur:
                tokens.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


_SUMMARY = regex.compile(r"^(?P<ex>[A-Z_0-9]+) (?P<type>request|response) (?P<mid>\d+) \[ ?(?P<body>.*?) ?\]$")


def expand_summary(summary: str) -> dict[str, Any]:
    """``IKE_AUTH response 1 [ IDr CERT AUTH N(AUTH_LFT) ]`` -> exchange/type/mid/payloads/notifies.

    The same few summaries repeat on thousands of lines, so the expansion is cached; each
    call gets its own dict and lists (events never share mutable attributes).
    """
    d = _expand_cached(summary)
    if "payloads" not in d:
        return dict(d)
    return {**d, "payloads": list(d["payloads"]), "notifies": list(d["notifies"])}


@lru_cache(maxsize=8192)
def _expand_cached(summary: str) -> dict[str, Any]:
    m = _SUMMARY.match(summary)
    if not m:
        return {"exchange": summary.split(" ", 1)[0]}
    payloads = split_payloads(m["body"])
    notifies = [p[2:-1] for p in payloads if p.startswith("N(") and p.endswith(")")]
    names = notify_names()
    error = next((n for n in notifies if names.get(n.split("(")[0], ("", ""))[1] == "error"), None)
    return {
        "exchange": m["ex"], "msg_type": m["type"], "mid": int(m["mid"]),
        "payloads": payloads, "notifies": notifies,
        "error_notify": names.get(error.split("(")[0], (error,))[0] if error else None,
    }
