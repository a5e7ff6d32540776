#!/usr/bin/env python3
"""Derive patterns/knowledge/charon-notable.tsv from strongSwan's own log formats.

charon prints no severity, so which of its ~3,400 messages mean "something went wrong" is
knowledge: this script keeps the formats of log levels 0-2 whose wording says so (failed,
unable, not found, unacceptable, ...) from ../shared/reference/charon-messages.tsv (extracted
from strongSwan's source), with their subsystem, topic and source file. Meanings and settings
to look at are written by hand in patterns/knowledge/meanings.toml, per format or per topic.
Re-run when the reference changes:  python3 scripts/build-message-knowledge.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnose.knowledge import wording_severity as severity  # noqa: E402  (one wording rule for both)
REFERENCE = ROOT.parent / "shared" / "reference" / "charon-messages.tsv"
OUT = ROOT / "patterns" / "knowledge" / "charon-notable.tsv"

def main() -> int:
    if not REFERENCE.is_file():
        print(f"build-message-knowledge: {REFERENCE} not found", file=sys.stderr)
        return 2
    rows = csv.DictReader(REFERENCE.read_text("utf-8").splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    seen: set[str] = set()
    out = ["format\tseverity\tsubsystem\ttopic\tsource"]
    for r in rows:
        fmt = r["format"].strip()
        if int(r["level"]) > 2 or fmt in seen or len(fmt) < 8 or fmt.startswith("%"):
            continue
        sev = severity(fmt)
        if sev is None:
            continue
        seen.add(fmt)
        out.append("\t".join((fmt, sev, r["subsystem"], r["topic"], r["file"])))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(out) + "\n", "utf-8")
    print(f"build-message-knowledge: {len(out) - 1} formats -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
