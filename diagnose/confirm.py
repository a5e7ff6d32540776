"""Let the gateway's configuration confirm or contradict what the logs suggest.

A log shows the symptom; the configuration often shows the cause outright
(``send_cert`` left at ``ifasked``, a certificate without the SAN).  When the
user hands ikedoctor the configuration, certificates or the Apple profile, each
finding whose catalog id has a configuration rule gains the config lines as
evidence and a confidence that moves with them.  ``live`` holds what the running
charon answered over VICI instead of files (``diagnose --live-config``): the same
rules, those VICI cannot feed left unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .report.model import Evidence, Report

if TYPE_CHECKING:
    from .config.model import Connection
    from .config.vici_live import LiveAnswers

CONFIRM_BONUS = 0.15
CONTRADICT_PENALTY = 0.3


@dataclass(slots=True)
class ConfigInputs:
    server: list[Path] = field(default_factory=list)
    certs: list[Path] = field(default_factory=list)
    profiles: list[Path] = field(default_factory=list)
    clients: list[str] | None = None
    #: charon's answers over VICI, read before the logs (``config.vici_live.read_answers``)
    live: "LiveAnswers | None" = None

    def __bool__(self) -> bool:
        return bool(self.server or self.certs or self.profiles or self.live is not None)


def apply_config(report: Report, cfg: ConfigInputs) -> None:
    """Adjust ``report.findings`` in place with configuration facts."""
    if not cfg or not report.findings:
        return
    from .config.check import config_facts, live_config_facts

    connection = next((s.ike_name for s in report.sessions if s.side == "server" and s.ike_name), None)
    if cfg.live is not None:
        from .config.vici_live import server_from_answers

        fill_from(report, server_from_answers(cfg.live).connections, connection)

        def facts_for(conn: str | None) -> dict:
            return live_config_facts(cfg.live, cfg.certs, cfg.profiles, clients=cfg.clients, connection=conn)
    else:
        if cfg.server:
            fill_names(report, cfg.server, connection)

        def facts_for(conn: str | None) -> dict:
            return config_facts(cfg.server, cfg.certs, cfg.profiles, clients=cfg.clients, connection=conn)
    facts = facts_for(connection)
    if connection and all(f.status == "unknown" for f in facts.values()):
        facts = facts_for(None)
    for finding in report.findings:
        fact = facts.get(finding.id)
        if fact is None or fact.status == "unknown":
            continue
        evidence = [Evidence(path=e.path, line=e.line, text=e.text, role="config", side="config")
                    for e in fact.evidence]
        if fact.status == "confirmed":
            finding.confidence = round(min(0.99, finding.confidence + CONFIRM_BONUS), 2)
            finding.notes.append(f"configuration confirms it: {fact.reason}")
        else:
            finding.confidence = round(max(0.05, finding.confidence - CONTRADICT_PENALTY), 2)
            finding.notes.append(f"configuration contradicts it: {fact.reason}")
            for e in evidence:
                e.role = "contradicting"
        finding.evidence.extend(evidence)
    report.findings.sort(key=lambda f: (-f.confidence, f.id))


def fill_names(report: Report, server: list[Path], connection: str | None) -> None:
    """Put the configuration's own names in the fixes where the log left a ``<placeholder>``:
    the connection (the log's, else the only one), its child and its pool when it has one each."""
    from .config.check import load_server
    from .errors import IkedoctorError

    try:
        conns = load_server(server).connections
    except IkedoctorError:
        return  # the rules below report what is wrong with the file
    fill_from(report, conns, connection)


def fill_from(report: Report, conns: "list[Connection]", connection: str | None) -> None:
    """``fill_names`` on connections already read (from files or over VICI)."""
    conn = next((c for c in conns if c.name == connection), None) or (conns[0] if len(conns) == 1 else None)
    if conn is None:
        return
    names = {"<your-connection>": conn.name}
    if len(conn.children) == 1:
        names["<your-child>"] = conn.children[0].name
    if len(conn.pool_names.value) == 1:
        names["<your-pool>"] = conn.pool_names.value[0]

    def fill(text: str) -> str:
        for ph, name in names.items():
            text = text.replace(ph, name)
        return text
    for f in report.findings:
        f.fix = fill(f.fix)
        for snip in f.fix_snippets:
            snip["text"], snip["title"] = fill(snip["text"]), fill(snip.get("title", ""))
