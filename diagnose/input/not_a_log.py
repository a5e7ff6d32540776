"""What a pasted text is when it is no log: status output or a configuration file.

Support tickets often carry ``ipsec statusall`` or ``swanctl --list-sas`` (the SAs *now*) or
swanctl.conf/ipsec.conf instead of the log of what happened. Saying "unknown log format" there
leaves the engineer guessing; naming what was given, what it shows, and what to give instead
does not. The shapes are the ones strongSwan's own printers write (stroke's ``status``,
swanctl's ``list-sas``/``list-conns``) and the two configuration syntaxes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_SA_STATES = r"(CREATED|CONNECTING|ESTABLISHED|PASSIVE|REKEYING|REKEYED|DELETING|DESTROYING)"
#: ``ipsec status``/``statusall`` (stroke): "Security Associations (1 up, 0 connecting):",
#: "rw[3]: ESTABLISHED 29 minutes ago, ..."
_STROKE_HEADER = re.compile(r"^\s*Security Associations \(\d+ up, \d+ connecting\):")
_STROKE_SA = re.compile(r"^\s*[^\s\[]+\[\d+\]: " + _SA_STATES + r"\b")
_STROKE_OTHER = re.compile(r"^(Status of IKE charon daemon|Listening IP addresses:|Connections:|Routed Connections:)")
#: ``swanctl --list-sas``: "rw: #1, ESTABLISHED, IKEv2, 8f7c..._i* 4d3c..._r"
_SWANCTL_SA = re.compile(r"^\S+: #\d+, " + _SA_STATES + r", IKEv[12], ")
#: ``swanctl --list-conns``: "rw: IKEv2, no reauthentication, rekeying every 14400s"
_SWANCTL_CONN = re.compile(r"^\S+: IKEv[12](?:/2)?, (?:no reauthentication|reauthentication every)")
_SWANCTL_CONF = re.compile(r"^\s*(connections|secrets|pools|authorities)\s*\{\s*$")


@dataclass(frozen=True, slots=True)
class NotALog:
    what: str  # what the text is
    shows: str  # what it says, in a few words
    instead: str  # what to give ikedoctor instead


def recognise(lines: list[str]) -> NotALog | None:
    """What the head of an input is, when it is status output or configuration, else None."""
    states: Counter[str] = Counter()
    stroke = swanctl = conns = 0
    swanctl_conf = 0
    for line in lines:
        if m := _STROKE_SA.match(line):
            states[m.group(1)] += 1
            stroke += 1
        elif m := _SWANCTL_SA.match(line):
            states[m.group(1)] += 1
            swanctl += 1
        elif _STROKE_HEADER.match(line) or _STROKE_OTHER.match(line):
            stroke += 1
        elif _SWANCTL_CONN.match(line):
            conns += 1
        elif _SWANCTL_CONF.match(line):
            swanctl_conf += 1
    log_step = ("to see why a connection fails, give charon's log of the attempt instead: `journalctl -u "
                "strongswan --since -30min` or the file log; on the Mac, `ikedoctor collect`")
    if stroke or swanctl:
        shown = ", ".join(f"{n} {state}" for state, n in states.most_common()) or "no IKE_SA"
        cmd = "`ipsec status`/`statusall`" if stroke >= swanctl else "`swanctl --list-sas`"
        return NotALog(f"{cmd} output, the SAs at one moment, not a log", f"IKE_SAs {shown}", log_step)
    if conns:
        return NotALog("`swanctl --list-conns` output, the loaded connections, not a log",
                       f"{conns} connection(s)", "check them with `ikedoctor check --live` on the gateway; " + log_step)
    from ..config.ipsec_conf import looks_like_ipsec_conf  # only on this error path

    ipsec_conf = looks_like_ipsec_conf("\n".join(lines))
    if swanctl_conf or ipsec_conf:
        kind = "ipsec.conf" if ipsec_conf else "swanctl.conf"
        return NotALog(f"a {kind} configuration, not a log", "connections and settings",
                       f"check it with `ikedoctor check --server FILE`; {log_step}")
    return None
