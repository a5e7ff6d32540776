"""charon's message table: its own printf formats compiled into matchers.

The table (``data/charon_messages.toml``) lists charon format strings verbatim;
this module turns each into an anchored regex, indexes them by their first
literal word so a line is tried against a handful of candidates only, and
builds event attributes from the captures.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable, Iterator, TypeVar

import regex

from ..events import KINDS

#: an address as charon prints it (no spaces or brackets), or the mask a poster put in its place:
#: ``*CLIENT_IP``, ``xxx.xxx.xxx.xxx`` and ``1.2.3.4`` are tokens already; ``[redacted]`` and
#: ``<my server>`` need their own alternatives.  A mask is an opaque value, never a reason to miss.
_ADDR = r"(?:[^\s\[\]<]+|<[^<>]*>|\[[^\[\]]*\])"
#: ``%#H``'s port, or a masked port (``[port]``, ``[xxx]``)
_PORT = r"(?:\[(?:\d+|[A-Za-z_ *x]+)\])"

#: charon printf conversions -> capture regex.  Identities, enum names and
#: selectors can contain spaces, so they are lazy; addresses cannot.
_SPEC = {
    "%s": r"(.*?)", "%.*s": r"(.*?)", "%Y": r"(.*?)", "%N": r"(.+?)", "%V": r"(.+?)", "%T": r"(.+?)",
    "%H": "(" + _ADDR + ")", "%#H": "(" + _ADDR + _PORT + "?)",
    "%P": r"(.*)", "%#P": r"(.*)", "%R": r"(.*?)", "%#R": r"(.*?)",
    "%d": r"(-?\d+)", "%u": r"(\d+)", "%zu": r"(\d+)", "%zd": r"(-?\d+)", "%llu": r"(\d+)", "%lu": r"(\d+)",
    "%hu": r"(\d+)", "%.8x": r"([0-9a-fA-F]{8})", "%08x": r"([0-9a-fA-F]{8})", "%02X": r"([0-9A-Fa-f]{2})", "%.2x": r"([0-9a-fA-F]{2})",
    "%B": r"(.*)", "%#B": r"(.*)", "%b": r"(.*)",
}
#: conversions whose capture is one token without spaces (``%H``'s bracketed or ``<...>`` mask
#: alternatives end at their closing bracket): a format of only these matches in linear time
_TOKEN_SPECS = frozenset({"%%", "%H", "%#H", "%d", "%u", "%zu", "%zd", "%llu", "%lu", "%hu", "%.8x", "%08x",
                          "%02X", "%.2x"})
_SPEC_RX = regex.compile(r"%%|" + "|".join(regex.escape(k) for k in sorted(_SPEC, key=len, reverse=True)))

MATCH_TIMEOUT = 0.05  # seconds; a pathological line must not hang a batch
T = TypeVar("T")


@dataclass(slots=True)
class MessageRule:
    kind: str
    format: str
    groups: int  # capture groups of the format's regex (one per conversion)
    attrs: dict[str, Any]
    first_word: str | None  # literal first word used to index the rule
    #: literal fragments every matching message contains: checked with ``in`` before the regex,
    #: which rejects almost every non-matching line at C speed (the regex runs only on likely hits)
    literals: tuple[str, ...] = ()
    #: ``attrs`` with ``$n`` references pre-split, so building an event does not re-parse them
    plan: tuple[tuple[str, bool, Any], ...] = ()  # (key, is envelope key, compiled value)
    enum_tokens: bool = False
    _rx: Any = None
    #: every conversion prints one space-free token (addresses, numbers, enum names): the regex
    #: cannot backtrack more than a token's length, so stdlib ``re`` runs it without a timeout
    #: (the ``regex`` timeout alone cost twice the match, per new packet text)
    linear: bool = False
    #: the IKE role of the only end that writes this message, if one (``written_by``)
    role: str | None = None
    _linear_rx: Any = None
    _loose_rx: Any = None

    @property
    def rx(self) -> Any:
        """The anchored regex, compiled when a line first gets past the literal gate: a short
        paste meets a few of the table's formats, a long log the same few thousands of times."""
        if self._rx is None:
            self._rx = compile_format(self.format, self.enum_tokens)[0]
        return self._rx

    @property
    def loose_rx(self) -> Any:
        """The regex with every space of the fixed text optional or repeatable (``Table.match_loose``)."""
        if self._loose_rx is None:
            self._loose_rx = compile_format(self.format, self.enum_tokens, loose=True)[0]
        return self._loose_rx

    def match(self, msg: str) -> Any:
        """The whole message against the format (``TimeoutError`` on a pathological line)."""
        if self.linear:
            if self._linear_rx is None:
                self._linear_rx = re.compile(self.rx.pattern)
            return self._linear_rx.match(msg)
        return self.rx.match(msg, timeout=MATCH_TIMEOUT)


def _loose_literal(text: str) -> str:
    return " *".join(regex.escape(word) for word in text.split(" "))


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


def compile_format(fmt: str, enum_tokens: bool = False, loose: bool = False) -> tuple[Any, str | None]:
    """Turn a charon format string into an anchored regex and its leading literal word.

    ``enum_tokens``: the format's ``%N`` print enum names without spaces (EAP_NAK,
    EAP_FAILURE), so a generic format such as ``received %N, sending %N`` cannot swallow a
    sentence of another message.  ``loose``: every space of the fixed text may be missing or
    repeated (``Table.match_loose``).
    """
    fmt = fmt.strip()
    literal = _loose_literal if loose else regex.escape
    out, pos = [], 0
    for m in _SPEC_RX.finditer(fmt):
        out.append(literal(fmt[pos:m.start()]))
        spec = m.group()
        out.append("%" if spec == "%%" else r"([^\s,]+)" if enum_tokens and spec == "%N" else _SPEC[spec])
        pos = m.end()
    out.append(literal(fmt[pos:]))
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
            groups = sum(1 for m in _SPEC_RX.finditer(fmt.strip()) if m.group() != "%%")
            first = fmt.strip().split(" ", 1)[0]
            plan = tuple((k, k.startswith("_"), _static(compile_value(v), groups)) for k, v in attrs.items())
            enum_tokens = bool(entry.get("enum_tokens", False))
            linear = all(c.group() in _TOKEN_SPECS or (enum_tokens and c.group() == "%N")
                         for c in _SPEC_RX.finditer(fmt.strip()))
            rules.append(MessageRule(kind, fmt, groups, attrs, None if "%" in first else first, literals_of(fmt),
                                     plan, enum_tokens, linear=linear, role=written_by().get(fmt.strip())))
    return rules


@lru_cache(maxsize=1)
def written_by() -> dict[str, str]:
    """Format -> the IKE role of the only end that writes it (``data/charon_roles.toml``: the
    gateway answers as responder, the client opens as initiator)."""
    data = tomllib.loads(resources.files(__package__).joinpath("data/charon_roles.toml").read_text("utf-8"))
    role = {"gateway": "responder", "client": "initiator"}
    return {fmt: role[entry["end"]] for entry in data["end"] for fmt in entry["formats"]}


@dataclass(slots=True)
class Table:
    by_word: dict[str, list[MessageRule]]
    floating: list[MessageRule]  # formats that start with a conversion
    by_opening: dict[str, list[MessageRule]] | None = None  # for ``match_loose``, built on first use
    #: ``match_loose``'s answers: a line no format matches (another program's syslog line, a
    #: start-up message) is asked about again wherever it repeats
    loose_seen: dict[str, "tuple[MessageRule, Any] | None"] = field(default_factory=dict)

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
                m = rule.match(msg)
            except TimeoutError:  # a pathological line: this rule cannot place it, try the next
                continue
            if m:
                return rule, m
        return self.match_elided(msg) or self.match_loose(msg)

    def match_loose(self, msg: str) -> tuple[MessageRule, Any] | None:
        """A message whose spaces a poster lost or doubled (retyped from a phone's screen:
        ``certificate does not confirm identity'192.168.2.33'(ID_IPV4_ADDR)``): tried only when
        no format matched it as printed.  Every piece of the format's fixed text must still be
        there, spaces aside, and one format of one meaning must fit, as for an elision."""
        if msg in self.loose_seen:
            return self.loose_seen[msg]
        if len(self.loose_seen) >= LOOSE_SEEN_MAX:
            self.loose_seen.clear()
        hit = self.loose_seen[msg] = self._match_loose(msg)
        return hit

    def _match_loose(self, msg: str) -> tuple[MessageRule, Any] | None:
        squeezed = msg.replace(" ", "")
        if len(squeezed) < MIN_ELIDED_HEAD:
            return None
        if self.by_opening is None:
            self.by_opening = _by_squeezed_opening(self.rules(), lambda r: r.format)
        found = _loose_fits(msg, squeezed, ((r, r.literals, lambda r=r: r.loose_rx)
                                            for r in _opening_candidates(self.by_opening, squeezed)))
        if not found or any(r.kind != found[0][0].kind or r.attrs != found[0][0].attrs for r, _ in found[1:]):
            return None
        # the attributes come from the message as charon printed it (conditions read ``$0``)
        rule, m = found[0]
        try:
            printed = rule.match(_printed(rule.format, m.groups(), _SPEC_RX))
        except TimeoutError:
            return None
        return (rule, printed) if printed else None

    def rules(self) -> Iterator[MessageRule]:
        for rules in self.by_word.values():
            yield from rules
        yield from self.floating

    def match_elided(self, msg: str) -> tuple[MessageRule, Any] | None:
        """A message a poster cut short (``no IKE config found for.........``): the text before
        the dots must be the start of messages of one kind only, else it stays unmatched."""
        head = elided_head(msg)
        if head is None:
            return None
        found: list[tuple[MessageRule, Any]] = []
        for rule in (*self.by_word.get(head.split(" ", 1)[0], ()), *self.floating):
            if not _elision_fits(head, rule.format, rule.literals):
                continue  # the head must hold some of the format's own text, not only a conversion
            try:
                m = rule.rx.match(head, partial=True, timeout=MATCH_TIMEOUT)
            except TimeoutError:
                continue
            if m:
                found.append((rule, m))
        if not found:
            return None
        # the formats whose fixed opening text the head follows furthest ("received packet: from"
        # is "received packet: from %#H ...", not "received %N, authentication failed")
        depth = [_common_prefix(head, _opening(r.format)) for r, _ in found]
        found = [f for f, d in zip(found, depth) if d == max(depth)]
        rule = found[0][0]
        fixed = {k: v for k, v in rule.attrs.items() if not (isinstance(v, str) and "$" in v)}
        for other, _ in found[1:]:
            if other.kind != rule.kind or fixed != {k: v for k, v in other.attrs.items()
                                                    if not (isinstance(v, str) and "$" in v)}:
                return None  # the head fits messages that mean different things
        return found[0]


#: where a poster elided text: a run of 2+ dots or an ellipsis character
_ELISION = regex.compile(r"\.{2,}|\u2026")
#: an elided message must keep this much literal text to be recognised
MIN_ELIDED_HEAD = 12


def _printed(fmt: str, values: tuple[str | None, ...], conversions: Any) -> str:
    """The message charon printed: its format with each conversion (``conversions`` finds
    them) replaced by its value."""
    fmt = fmt.strip()
    out, pos, it = [], 0, iter(values)
    for m in conversions.finditer(fmt):
        out.append(fmt[pos:m.start()])
        out.append("%" if m.group() == "%%" else next(it, None) or "")
        pos = m.end()
    out.append(fmt[pos:])
    return "".join(out)


#: ``match_loose`` tries only the formats whose fixed opening, spaces removed, starts the
#: message the same way (formats opening with a conversion, or a short word, are always tried)
_OPENING_CHARS = 6
#: messages whose loose reading ``Table`` remembers (each with its match)
LOOSE_SEEN_MAX = 4096


def _by_squeezed_opening(items: Iterable[T], format_of: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = {}
    for item in items:
        opening = _PRINTF.split(format_of(item).strip(), 1)[0].replace(" ", "")
        out.setdefault(opening[:_OPENING_CHARS] if len(opening) >= _OPENING_CHARS else "", []).append(item)
    return out


def _opening_candidates(index: dict[str, list[T]], squeezed: str) -> tuple[T, ...]:
    """The items whose format may open ``squeezed`` (a message with its spaces removed)."""
    return (*index.get(squeezed[:_OPENING_CHARS], ()), *index.get("", ()))


def _loose_fits(msg: str, squeezed: str,
                candidates: Iterable[tuple[T, tuple[str, ...], Callable[[], Any]]]) -> list[tuple[T, Any]]:
    """The candidates (item, fixed text pieces, its loose regex) whose format fits ``msg``
    (``squeezed``: the same without spaces) with its spaces lost or doubled: every fixed piece
    there, spaces aside, and the regex matching."""
    found: list[tuple[T, Any]] = []
    for item, literals, loose_rx in candidates:
        if not literals or any(lit.replace(" ", "") not in squeezed for lit in literals):
            continue
        try:
            m = loose_rx().match(msg, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            continue
        # a value of only spaces took a space of the fixed text (``no %N private key`` read
        # from ``no private key``): charon prints none
        if m and not any(g and not g.strip() for g in m.groups()):
            found.append((item, m))
    return found


def _opening(fmt: str) -> str:
    """A format's fixed text before its first conversion."""
    m = _SPEC_RX.search(fmt)
    return fmt if m is None else fmt[:m.start()]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _elision_fits(head: str, fmt: str, literals: tuple[str, ...]) -> bool:
    """The head is the format's own opening: it holds the fixed text before the first
    conversion (or is cut inside it); a format that opens with a conversion needs its
    longest fixed piece in the head.  A stray short piece (`` to ``) is not enough."""
    opening = _PRINTF.split(fmt, 1)[0].strip()
    if opening:
        return head.startswith(opening) or opening.startswith(head)
    return bool(literals) and literals[0].strip() in head


def elided_head(msg: str) -> str | None:
    """The text before a poster's elision mark, if long enough to identify a message."""
    if "\u2026" not in msg and ".." not in msg:
        return None
    m = _ELISION.search(msg)
    if m is None:
        return None
    head = msg[:m.start()].rstrip()
    if len(head) < MIN_ELIDED_HEAD or " " not in head:
        return None
    return head


#: any printf conversion charon's formats use (for the reference formats; ``_SPEC`` covers
#: those ikedoctor's own table uses)
_PRINTF = regex.compile(r"%%|%[-#0 +']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t)?[A-Za-z]")
#: a reference format must hold this much literal text to identify a bare line (``%s: %s`` would
#: claim anything); one that starts with a conversion (no first word to key on) needs more
#: (``%N authentication %s`` would claim any text with "authentication" in it)
MIN_LITERAL, MIN_LITERAL_FLOATING = 10, 20


def _reference_rx(fmt: str, loose: bool = False) -> Any:
    literal = _loose_literal if loose else regex.escape
    out, pos = [], 0
    for m in _PRINTF.finditer(fmt):
        out.append(literal(fmt[pos:m.start()]))
        conv = m.group()
        if conv == "%%":
            out.append("%")
        elif conv in _SPEC:
            out.append(_SPEC[conv])
        elif conv[-1] in "diu":
            out.append(r"(-?\d+)")
        elif conv[-1] in "xX":
            out.append(r"([0-9A-Fa-f]+)")
        else:
            out.append(r"(.*?)")
        pos = m.end()
    out.append(literal(fmt[pos:]))
    return regex.compile("^" + "".join(out) + "$")


@dataclass(slots=True)
class Reference:
    """Every charon format string (``data/charon-formats.tsv``): whether bare text is charon's.

    ikedoctor's table turns a few hundred messages into events; a bare pasted line of any
    other charon message must still count as charon's (detection, ``--log-format``).
    Formats compile on first use: only the few a paste's words point at.
    """

    by_word: dict[str, list[str]]
    floating: list[str]
    _rx: dict[str, Any] = field(default_factory=dict)
    _lits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _anchors: list[tuple[str, str]] | None = None
    _loose_rx: dict[str, Any] = field(default_factory=dict)
    _by_opening: dict[str, list[str]] | None = None

    def _compiled(self, fmt: str) -> Any:
        rx = self._rx.get(fmt)
        if rx is None:
            rx = self._rx[fmt] = _reference_rx(fmt)
        return rx

    def _literals(self, fmt: str) -> tuple[str, ...]:
        """The format's fixed text pieces (3+ characters): a cheap gate before its regex."""
        lits = self._lits.get(fmt)
        if lits is None:
            pieces = (p.replace("%%", "%") for p in _PRINTF.split(fmt))
            lits = self._lits[fmt] = tuple(sorted({p for p in pieces if len(p) >= 3}, key=len, reverse=True))
        return lits

    def _whole(self, fmt: str, msg: str) -> bool:
        if any(lit not in msg for lit in self._literals(fmt)):
            return False
        return bool(self._compiled(fmt).match(msg, timeout=MATCH_TIMEOUT))

    def _floating_in(self, msg: str) -> list[str]:
        """Formats that start with a conversion and whose longest fixed piece ``msg`` holds."""
        anchors = self._anchors
        if anchors is None:
            anchors = self._anchors = [(self._literals(f)[0] if self._literals(f) else "", f) for f in self.floating]
        return [f for a, f in anchors if a in msg]

    def format_of(self, msg: str) -> str | None:
        """The format a whole bare message matches (no elision), or None."""
        msg = msg.strip()
        for fmt in (*self.by_word.get(msg.split(" ", 1)[0], ()), *self._floating_in(msg)):
            try:
                if self._whole(fmt, msg):
                    return fmt
            except TimeoutError:
                continue
        return None

    def respaced(self, msg: str) -> str | None:
        """A bare message whose spaces a poster lost or doubled, as charon printed it, when
        exactly one text fits (``Table.match_loose`` does the same for the event table)."""
        msg = msg.strip()
        squeezed = msg.replace(" ", "")
        if len(squeezed) < MIN_ELIDED_HEAD:
            return None
        if self._by_opening is None:
            self._by_opening = _by_squeezed_opening((f for fmts in (*self.by_word.values(), self.floating)
                                                     for f in fmts), lambda f: f)
        found = _loose_fits(msg, squeezed, ((f, self._literals(f), lambda f=f: self._loose(f))
                                            for f in _opening_candidates(self._by_opening, squeezed)))
        printed = {_printed(f, m.groups(), _PRINTF) for f, m in found}
        return printed.pop() if len(printed) == 1 else None

    def _loose(self, fmt: str) -> Any:
        rx = self._loose_rx.get(fmt)
        if rx is None:
            rx = self._loose_rx[fmt] = _reference_rx(fmt, loose=True)
        return rx

    def knows(self, msg: str) -> bool:
        """Whether bare text is a charon message, whole or elided by a poster."""
        msg = msg.strip()
        if self.format_of(msg) is not None:
            return True
        head = elided_head(msg)
        if not head:
            return False
        for fmt in (*self.by_word.get(head.split(" ", 1)[0], ()), *self.floating):
            try:
                if _elision_fits(head, fmt, self._literals(fmt)) \
                        and self._compiled(fmt).match(head, partial=True, timeout=MATCH_TIMEOUT):
                    return True
            except TimeoutError:
                continue
        return False


_ENDS_IN_CONVERSION = regex.compile(r"%[-#0 +']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t)?[A-Za-z]$")


def ends_literally(msg: str) -> bool:
    """``msg`` matches a charon format that ends in fixed text: nothing can follow it."""
    hit = table().match(msg)
    if hit is not None:
        return not _ENDS_IN_CONVERSION.search(hit[0].format.rstrip())
    fmt = reference().format_of(msg)
    return fmt is not None and not _ENDS_IN_CONVERSION.search(fmt.rstrip())


@lru_cache(maxsize=1)
def reference() -> Reference:
    text = resources.files(__package__).joinpath("data/charon-formats.tsv").read_text("utf-8")
    rows = csv.DictReader((ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t",
                          quoting=csv.QUOTE_NONE)
    by_word: dict[str, list[str]] = {}
    floating: list[str] = []
    for r in rows:
        fmt = r["format"]
        literal = len(_PRINTF.sub("", fmt).strip())
        if fmt[:1].isspace() or literal < MIN_LITERAL:
            continue
        first = fmt.split(" ", 1)[0]
        if "%" in first:
            if literal >= MIN_LITERAL_FLOATING:
                floating.append(fmt)
        else:
            by_word.setdefault(first, []).append(fmt)
    return Reference(by_word, floating)


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
        if ch == " " and cur and cur[-1] == " ":  # ``CPRQ(ADDR  DNS)``: a doubled space in a paste
            continue
        cur.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


#: spaces as charon prints them, or as a poster lost or doubled them (``request 1[ IDi ...]``)
_SUMMARY = regex.compile(r"^ *(?P<ex>[A-Z_0-9]+) +(?P<type>request|response) +(?P<mid>\d+) *\[ *(?P<body>.*?) *\]$")


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
