"""racoon (IKEv1) logs: the file log and the syslog forms, upstream and Apple dialects.

racoon-format.md §1 lists the line shapes:

* upstream ipsec-tools file log (``log debug; path logfile "/var/log/racoon.log";``,
  ``-l`` or ``-F``): ``2014-06-02 12:39:30: [peer] INFO: msg`` (local time, no zone);
* upstream via syslog: ``Jul 31 16:49:12 host racoon: INFO: msg`` (no pid);
* Apple racoon's ASL file (``path logfile``): ``Mar  8 12:52:18 host racoon[490] <Notice>: msg``
  [src only] and via syslog on OS X <= 10.11: ``... racoon[490]: msg``.

The Apple-syslog shapes are shared with :mod:`apple_legacy` (nesessionmanager lines sit
between racoon's in ``system.log``), so this parser reuses those forms and adds the
upstream ones; the message table is the shared one in :mod:`apple_messages`, so the
same racoon text gives the same event whichever parser read it.  racoon here is the
client (the Mac/iPhone), and every IKE_SA it starts is ``version=1``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import regex

from ..events import Side
from .apple_legacy import FORMS as APPLE_FORMS
from .apple_legacy import AppleLegacyParser
from .apple_lines import DayClock
from .apple_messages import Record

_LEVEL = r"(?P<type>ERROR|WARNING|NOTIFY|INFO|DEBUG2?)"

UPSTREAM_FORMS: dict[str, Any] = {
    "upstream-file": regex.compile(
        r"^(?P<Y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d): "
        r"(?:\[(?P<peer>[^\]]+)\] )?" + _LEVEL + r": (?P<msg>.*)$"),
    "upstream-syslog": regex.compile(
        r"^(?P<mon>[A-Z][a-z]{2}) (?P<d>[ \d]?\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d) (?P<host>\S+) "
        r"(?P<proc>racoon): " + _LEVEL + r": (?P<msg>.*)$"),
}


class RacoonParser(AppleLegacyParser):
    """racoon's own log file or racoon lines in syslog, upstream or Apple."""

    name = "racoon"
    default_side = Side.CLIENT
    forms = {**UPSTREAM_FORMS, **APPLE_FORMS}
    takes_orphans = False  # racoon's own logs hold no bare pasted messages

    def sniff(self, head: list[str]) -> float:
        lines = [h.rstrip("\r\n") for h in head if h.strip()]
        if not lines:
            return 0.0
        upstream = racoon = 0
        for line in lines:
            form, m = self.match(line)
            if m is None:
                continue
            if form in UPSTREAM_FORMS:
                upstream += 1
            elif (m.groupdict().get("proc") or "").strip() == "racoon":
                racoon += 1
        if upstream:
            return min(1.0, 0.5 + 0.5 * upstream / len(lines))
        # Apple racoon in syslog/ASL: certain only when racoon is (nearly) all there is;
        # mixed system.log pastes are apple-legacy's (same forms, same events).
        share = racoon / len(lines)
        return 0.9 if share > 0.9 else 0.5 * share

    def record(self, form: str | None, m: Any, lineno: int, line: str, clock: DayClock) -> Record | str | None:
        """racoon's own file and syslog forms; the syslog/ASL forms it shares with apple-legacy."""
        if form == "upstream-file":
            return _upstream_file_record(m, lineno, line, clock)
        if form == "upstream-syslog":
            g = m.groupdict()
            time = clock.month_day(g["mon"], int(g["d"]), int(g["h"]), int(g["m"]), int(g["s"]))
            return Record(line=lineno, text=line, message=g["msg"], time=time, process="racoon", level=g["type"])
        return super().record(form, m, lineno, line, clock)


def _upstream_file_record(m: Any, lineno: int, line: str, clock: DayClock) -> Record:
    g = m.groupdict()
    try:
        time: datetime | None = datetime(int(g["Y"]), int(g["mo"]), int(g["d"]), int(g["h"]), int(g["m"]),
                                         int(g["s"]), tzinfo=clock.tz)
    except ValueError:
        time = None
    return Record(line=lineno, text=line, message=g["msg"], time=time, process="racoon", level=g["type"])
