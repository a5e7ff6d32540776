"""Apple client logs that are not ``log show`` output: the forms users paste into tickets.

apple-log-formats.md §3.6 lists them, each seen in a real report:

* Console.app copy/export: ``error<TAB>15:57:38.680777+0100<TAB>NEIKEv2Provider<TAB>msg``
  (time of day only: dated ``1900-01-01`` or the hinted year, see ``DayClock``);
* Console.app on OS X 10.11 (ASL): ``3/2/17 10:08:54.566 AM racoon[427]: msg``;
* ``/var/log/system.log`` (<= 10.11): ``Mar  8 12:52:18 host racoon[490]: msg`` and
  syslogd's ``--- last message repeated N times ---`` (recognised, not re-emitted);
* iOS device syslog: ``Jun  3 02:27:49 Alis-iPhone nesessionmanager(NetworkExtension)[1043] <Notice>: msg``;
* ``/var/log/ppp.log``: ``Wed Apr 22 21:59:54 2020 : msg``;
* ``proc[pid]: msg`` with the time cut off, and bare message text (a copied message
  column), including macOS 10.12 neagent ``IKEv2 Plugin: ...`` lines.

Indented lines continue the message above them (NEIKEv2 payload dumps).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import regex

from ..events import Event, Side
from .apple_lines import DayClock, assemble, indented_continuation, offset_tz, side_of
from .apple_messages import Emitter, Record, classify
from .base import ParseContext

_PROC = r"(?P<proc>[A-Za-z][\w.\- ]*?)(?:\((?P<lib>[\w.\- ]+)\))?\[(?P<pid>\d+)\]"

#: form name -> compiled regex; tried in order, cheapest discriminating first
FORMS: dict[str, Any] = {
    "console-tab": regex.compile(
        r"^(?P<type>[A-Za-z]+)\t(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d+))?(?P<z>[+-]\d\d:?\d\d)?\t"
        r"(?P<proc>[^\t]+)\t(?P<msg>.*)$"),
    "asl-console": regex.compile(
        r"^(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4}) (?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d+))?"
        r"(?: (?P<ampm>[AP]M))? " + _PROC + r"(?: <(?P<type>\w+)>)?: (?P<msg>.*)$"),
    "repeat": regex.compile(
        r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?--- last message repeated (?P<n>\d+) times? ---\s*$"),
    "bsd-syslog": regex.compile(
        r"^(?P<mon>[A-Z][a-z]{2}) (?P<d>[ \d]?\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d+))? (?P<host>\S+) "
        + _PROC + r"(?: <(?P<type>\w+)>)?: (?P<msg>.*)$"),
    "ppp": regex.compile(
        r"^[A-Z][a-z]{2} (?P<mon>[A-Z][a-z]{2}) (?P<d>[ \d]?\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d) (?P<y>\d{4}) : (?P<msg>.*)$"),
    "proc-only": regex.compile(r"^" + _PROC + r"(?: <(?P<type>\w+)>)?: (?P<msg>.*)$"),
}

_CONSOLE_TYPES = frozenset({"default", "info", "debug", "error", "fault", "notice", "warning"})

#: processes whose presence marks a log as an Apple VPN client log (for sniffing)
APPLE_VPN_PROCESSES = frozenset({"NEIKEv2Provider", "nesessionmanager", "neagent", "racoon", "pppd",
                                 "nehelper", "CommCenter"})
#: message texts that are Apple VPN noise: recognised, but no event (apple-log-formats.md §6.1)
_KNOWN_NOISE = ("Failed to find the VPN app for plugin type", "pfkey received SA is NULL",
                "Not hashing value with class", "IKEv2 Plugin:", "NESMIKEv2VPNSession[", "NESMLegacySession[",
                "IPSec Controller:", "IKEv2Session[", "IKEv2IKESA[", "NEIKEv2")


def _micro(f: str | None) -> int:
    return int((f or "0")[:6].ljust(6, "0"))


def looks_apple_message(message: str) -> bool:
    """Whether bare text is an Apple VPN message (known text or a rule hit)."""
    return any(n in message for n in _KNOWN_NOISE) or bool(classify(message))


class AppleLegacyParser:
    """Console copies, OS X system.log, iOS device syslog, ppp.log and bare Apple message text."""

    name = "apple-legacy"
    default_side = Side.CLIENT
    forms = FORMS
    #: bare pasted message text (no syslog header) becomes a record of its own
    takes_orphans = True

    def sniff(self, head: list[str]) -> float:
        lines = [h.rstrip("\r\n") for h in head if h.strip()]
        if not lines:
            return 0.0
        formed = apple = bare_apple = 0
        for line in lines:
            form, m = self.match(line)
            if m is not None:
                formed += 1
                proc = m.groupdict().get("proc") or ""
                if proc in APPLE_VPN_PROCESSES or m.groupdict().get("lib") == "NetworkExtension" \
                        or (form == "console-tab" and m.group("type").lower() in _CONSOLE_TYPES):
                    apple += 1
            elif not line.startswith((" ", "\t")) and looks_apple_message(line):
                bare_apple += 1
        # indented lines continue the message above them (NEIKEv2 dumps): they are not
        # records, so they neither count for nor against the format
        records = max(1, sum(1 for line in lines if not line.startswith((" ", "\t"))))
        if apple:
            return min(0.95, 0.4 + 0.55 * (formed + bare_apple) / records)
        if bare_apple:
            return min(0.6, 0.2 + 0.6 * bare_apple / records)
        return 0.35 * formed / len(lines)  # a Mac log without VPN processes: possible, weak

    def starts_record(self, line: str) -> bool:
        """Whether a line starts a record of these forms (for rejoining hard-wrapped pastes);
        indented lines continue a message by themselves and are never joined."""
        if line[:1] in (" ", "\t"):
            return True
        return self.match(line)[1] is not None or (self.takes_orphans and looks_apple_message(line))

    def match(self, line: str) -> tuple[str | None, Any]:
        if not line:
            return None, None
        first = line[0]
        for name, rx in self.forms.items():
            if first.isdigit() and name in ("bsd-syslog", "ppp", "proc-only"):
                continue
            if first.isalpha() and name == "asl-console":
                continue
            m = rx.match(line)
            if m:
                if name == "console-tab" and m.group("type").lower() not in _CONSOLE_TYPES:
                    continue
                return name, m
        return None, None

    def parse(self, lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
        emitter = Emitter(ctx.path, side_of(ctx, self.default_side))
        clock = DayClock(year=ctx.year, tz=ctx.tz)

        def start(lineno: int, line: str) -> Record | str | None:
            form, m = self.match(line)
            if m is None:
                return None
            return self.record(form, m, lineno, line, clock)

        def orphan(lineno: int, line: str) -> Record | None:
            if not line.strip() or not looks_apple_message(line):
                return None
            return Record(line=lineno, text=line, message=line)

        yield from assemble(lines, ctx, start, emitter, indented_continuation,
                            orphan if self.takes_orphans else None)

    def record(self, form: str | None, m: Any, lineno: int, line: str, clock: DayClock) -> Record | str | None:
        g = m.groupdict()
        if form == "repeat":
            return "repeat"
        time = None
        if form == "console-tab":
            tz = offset_tz(g["z"]) if g.get("z") else None
            time = clock.time_of_day(int(g["h"]), int(g["m"]), int(g["s"]), _micro(g.get("f")), tz)
        elif form == "asl-console":
            time = _us_time(g, clock)
        elif form in ("bsd-syslog", "ppp"):
            time = clock.month_day(g["mon"], int(g["d"]), int(g["h"]), int(g["m"]), int(g["s"]), _micro(g.get("f")))
            if form == "ppp" and time is not None:
                time = time.replace(year=int(g["y"]))
        proc = g.get("proc")
        if form == "ppp":
            proc = "pppd"
        return Record(line=lineno, text=line, message=g["msg"], time=time,
                      process=proc.strip() if proc else None, pid=g.get("pid"), level=g.get("type"))


def _us_time(g: dict[str, Any], clock: DayClock) -> Any:
    from datetime import datetime

    y = int(g["y"])
    y = y + 2000 if y < 100 else y
    h = int(g["h"])
    if g.get("ampm") == "PM" and h < 12:
        h += 12
    elif g.get("ampm") == "AM" and h == 12:
        h = 0
    try:
        return datetime(y, int(g["mo"]), int(g["d"]), h, int(g["m"]), int(g["s"]), _micro(g.get("f")), tzinfo=clock.tz)
    except ValueError:
        return None
