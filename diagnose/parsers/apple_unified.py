"""macOS/iOS unified log as printed by ``log show`` / ``log stream``, in every ``--style``.

Styles (apple-log-formats.md §3): ``default``, ``compact``, ``syslog``, ``json``
(one pretty-printed array) and ``ndjson`` (one object per line), each with or
without the ``Filtering the log data using ...`` header, the style's column
header and the default style's statistics footer.  The style is decided per
line, not per file, so concatenated outputs and a default-style paste that a
poster wrapped after the TTL column (libreswan#1450) still parse.

Timestamps keep microseconds and their offset; compact style has neither
offset nor microseconds, so its times are naive local time (given ``ctx.tz``
when the caller knows the zone).  ``<private>`` stays verbatim in messages.
Lines without a recognised prefix continue the previous message (packet and
configuration dumps are multi-line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import regex

from ..events import Event, Side
from .apple_lines import assemble, parse_iso, side_of
from .apple_messages import Emitter, Record
from .base import ParseContext

_TS = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}"
_TS_COMPACT = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
# "(sender) [subsystem:category] message" - both parts optional; 10.12 printed "[subsystem.]"
_REST = (r"(?:\((?P<sender>[^)]*)\) )?(?:\[(?P<sc>[\w\-]+(?:\.[\w\-]+)*\.?(?::[^\]]*)?)\] )?(?P<msg>.*)$")

#: name -> compiled line regex (named groups: ts, tid, type, pid, proc + _REST)
STYLES: dict[str, Any] = {
    "default": regex.compile(
        r"^(?P<ts>" + _TS + r")\s+(?P<tid>0x[0-9a-f]+)\s+(?P<type>[A-Za-z]+)\s+(?P<act>0x[0-9a-f]+)\s+"
        r"(?P<pid>\d+)(?:\s+(?P<ttl>\d+))?(?:\s+(?P<proc>[^\s:][^:]*?): " + _REST + r"|(?P<wrapped>\s*)$)"),
    "compact": regex.compile(
        r"^(?P<ts>" + _TS_COMPACT + r") (?P<type>[A-Za-z][a-z ]) (?P<proc>[^\[\]]+?)\[(?P<pid>\d+):(?P<tid>[0-9a-f]+)\] "
        + _REST),
    "syslog": regex.compile(
        r"^(?P<ts>" + _TS + r")\s+(?P<host>\S+) (?P<proc>[^\[\]]+?)\[(?P<pid>\d+)\]: " + _REST),
}

#: lines that belong to the output but are not messages (headers, footers)
_CHROME = regex.compile(
    r"^(?:Filtering the log data using .*"
    r"|Skipping info and debug messages, pass --info and/or --debug to include\.?"
    r"|Timestamp\s+Thread\s+Type\s+Activity\s+PID(?:\s+TTL)?\s*"
    r"|Timestamp\s+Ty\s+Process\[PID:TID\]\s*"
    r"|Timestamp\s+\(process\)\[PID\]\s*"
    r"|-{10,}\s*"
    r"|Log\s+- Default:.*"
    r"|Activity - Create:.*"
    r"|\[\s*|\]\s*)$")

_TS_START = regex.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d")

#: a wrapped default-style line's second half: "NEIKEv2Provider: (NetworkExtension) [...] msg"
_WRAPPED_REST = regex.compile(r"^(?P<proc>[A-Za-z][\w.\- ]*?): " + _REST)

_COMPACT_TYPES = {"Df": "Default", "I": "Info", "Db": "Debug", "E": "Error", "F": "Fault", "A": "Activity"}


def _is_wrapped_rest(line: str) -> bool:
    m = _WRAPPED_REST.match(line)
    return bool(m and (m["sender"] or m["sc"]))


def split_subsystem(sc: str | None) -> tuple[str | None, str | None]:
    """``com.apple.networkextension:Large`` / ``com.apple.networkextension.`` (10.12) -> (subsystem, category)."""
    if not sc:
        return None, None
    if ":" in sc:
        sub, cat = sc.split(":", 1)
        return sub, cat
    if sc.endswith("."):
        return sc[:-1], ""
    return sc, None


def _thread_hex(value: Any) -> str | None:
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, str) and value:
        return value if value.startswith("0x") else (hex(int(value)) if value.isdigit() else value)
    return None


def _basename(path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return path.replace("\\/", "/").rstrip("/").rsplit("/", 1)[-1]


def record_from_json(obj: dict[str, Any], lineno: int, tz: Any = None) -> Record | str:
    """One ``log show --style json/ndjson`` object -> a Record ("header" for non-log events)."""
    event_type = obj.get("eventType")
    if event_type not in (None, "logEvent") or "eventMessage" not in obj:
        return "header"
    ts = obj.get("timestamp")
    time = parse_iso(ts) if isinstance(ts, str) else None
    if time is not None and time.tzinfo is None and tz is not None:
        time = time.replace(tzinfo=tz)
    proc = _basename(obj.get("processImagePath")) or obj.get("process")
    message = str(obj.get("eventMessage") or "")
    pid = obj.get("processID")
    text = f"{ts or ''} {proc or '?'}[{pid if pid is not None else '?'}]: {message}".strip()
    return Record(line=lineno, text=text, message=message, time=time, process=proc,
                  pid=str(pid) if pid is not None else None, level=obj.get("messageType"),
                  thread=_thread_hex(obj.get("threadID")), subsystem=obj.get("subsystem"),
                  category=obj.get("category"))


@dataclass(slots=True)
class _LineState:
    """Per-input state: a pending pretty-printed JSON object, a wrapped default line."""

    json_buf: list[str] | None = None
    json_line: int = 0
    wrapped: Record | None = None


class AppleUnifiedParser:
    """``log show`` / ``log stream`` output of NEIKEv2Provider, neagent, nesessionmanager, racoon."""

    name = "apple-unified"
    default_side = Side.CLIENT

    # ------------------------------------------------------------------ sniff
    def sniff(self, head: list[str]) -> float:
        # indented lines continue a message (payload and configuration dumps): not records
        lines = [h for h in head if h.strip() and not h.startswith((" ", "\t"))]
        if not lines:
            return 0.0
        ours = 0
        apple = False
        for line in lines:
            if line.startswith("{") and ('"eventMessage"' in line or '"messageType"' in line):
                ours += 1
                apple = True
            elif line.startswith("[{") or _CHROME.match(line.rstrip()) or line.startswith('  "eventMessage"'):
                ours += 1
                apple = apple or line.startswith(("Filtering the log data", "Timestamp", "[{"))
            elif any(rx.match(line) for rx in STYLES.values()):
                ours += 1
                apple = True
            elif _is_wrapped_rest(line):  # a default-style line's second half, wrapped by the poster
                ours += 1
        if not apple:
            return 0.0
        return min(1.0, 0.3 + 0.7 * ours / len(lines))

    def starts_record(self, line: str) -> bool:
        """Whether a line starts a record or belongs to the output's chrome (for rejoining
        hard-wrapped pastes); indented lines are a message's own continuation, never a cut piece."""
        return (bool(_TS_START.match(line)) or line[:1] in ("{", "[", "}", "]", " ", "\t")
                or bool(_CHROME.match(line)) or _is_wrapped_rest(line))

    # ------------------------------------------------------------------ parse
    def parse(self, lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
        emitter = Emitter(ctx.path, side_of(ctx, self.default_side))
        state = _LineState()

        def start(lineno: int, line: str) -> Record | str | None:
            return self._start(lineno, line, state, ctx)

        def continuation(line: str, rec: Record) -> bool:
            return state.json_buf is None and not line.startswith("{")

        yield from assemble(lines, ctx, start, emitter, continuation)
        if state.json_buf is not None:  # input ended inside a pretty-printed object
            ctx.stats.miss(state.json_line, "unterminated JSON object: " + " ".join(state.json_buf)[:150])

    def _start(self, lineno: int, line: str, state: _LineState, ctx: ParseContext) -> Record | str | None:
        # pretty-printed JSON (``--style json``): buffer until a top-level "}" closes the object
        if state.json_buf is not None:
            return self._json_continue(lineno, line, state, ctx)
        if line.startswith("[{") or line.rstrip() == "{":
            state.json_buf = ["{"]
            state.json_line = lineno
            rest = line[2:] if line.startswith("[{") else line[1:]
            if rest.strip():
                state.json_buf.append(rest)
            return "header"
        if line.startswith("{"):  # ndjson
            try:
                obj = json.loads(line)
            except ValueError:
                return None
            return record_from_json(obj, lineno, ctx.tz) if isinstance(obj, dict) else None
        if state.wrapped is not None:
            rec, state.wrapped = state.wrapped, None
            m = _WRAPPED_REST.match(line)
            if m:
                self._fill(rec, m, line)  # completes the record that is already open
                return "wrapped"
        first = line[:1]
        if first.isdigit():
            for style, rx in STYLES.items():
                m = rx.match(line)
                if m:
                    return self._from_match(style, m, lineno, line, state, ctx)
        if _CHROME.match(line):
            return "header"
        return None

    def _json_continue(self, lineno: int, line: str, state: _LineState, ctx: ParseContext) -> Record | str | None:
        assert state.json_buf is not None
        if line.startswith("}"):
            state.json_buf.append("}")
            text = "\n".join(state.json_buf)
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            start_line = state.json_line
            more = line.rstrip().endswith("{")  # "},{" opens the next object
            state.json_buf = ["{"] if more else None
            state.json_line = lineno
            if isinstance(obj, dict):
                return record_from_json(obj, start_line, ctx.tz)
            ctx.stats.miss(start_line, text[:200])
            return "header"
        state.json_buf.append(line)
        if len(state.json_buf) > 20000:  # runaway: give up on this object
            ctx.stats.miss(state.json_line, "unterminated JSON object")
            state.json_buf = None
        return "header"

    def _from_match(self, style: str, m: Any, lineno: int, line: str, state: _LineState,
                    ctx: ParseContext) -> Record:
        time = parse_iso(m.group("ts"))
        if time is not None and time.tzinfo is None and ctx.tz is not None:
            time = time.replace(tzinfo=ctx.tz)
        level = m.groupdict().get("type")
        if style == "compact" and level:
            level = _COMPACT_TYPES.get(level.strip(), level.strip())
        rec = Record(line=lineno, text=line, message="", time=time, process=None,
                     pid=m.group("pid"), level=level, thread=_thread_hex(m.groupdict().get("tid")))
        if style == "compact" and rec.thread and not rec.thread.startswith("0x"):
            rec.thread = "0x" + rec.thread
        if style == "default" and m.group("wrapped") is not None:
            state.wrapped = rec  # the poster wrapped after the TTL column
            return rec
        return self._fill(rec, m, None)

    @staticmethod
    def _fill(rec: Record, m: Any, second_line: str | None) -> Record:
        rec.process = m.group("proc").strip()
        rec.subsystem, rec.category = split_subsystem(m.group("sc"))
        rec.message = m.group("msg")
        if second_line is not None:
            rec.text = rec.text.rstrip() + "\n" + second_line
        return rec
