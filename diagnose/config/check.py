"""``check``: what will fail for which Apple clients, from configuration alone; and
``config_facts``: the same evaluation as confirm/contradict/unknown per catalog id,
for ``diagnose`` to raise or lower a log finding's confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from diagnose.report.model import Evidence, Finding, InputSummary, Report

from . import ConfigError
from .certs import CertInfo, PasswordPrompt, load_certificates
from .ipsec_conf import load_ipsec_conf, looks_like_ipsec_conf
from .model import ServerConfig
from .profile import Profile, load_profile
from .rules import Context, FixAction, Result, evaluate, load_rules, resolve_clients
from .swanctl_conf import load_swanctl, resolve_pools

DEFAULT_CLIENTS = ["ios-16", "macos-13"]


def load_server(paths: list[Path]) -> ServerConfig:
    """swanctl.conf/strongswan.conf and ipsec.conf files into one ``ServerConfig``."""
    cfg = ServerConfig()
    settings: list[Path] = []
    for p in paths:
        p = Path(p)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(p, f"cannot read: {exc.strerror or exc}", "pass a readable swanctl.conf or ipsec.conf") from None
        if looks_like_ipsec_conf(text):
            load_ipsec_conf([p], cfg)
        else:
            settings.append(p)
    if settings:
        load_swanctl(settings, cfg)
    resolve_pools(cfg)
    return cfg


@dataclass(slots=True)
class Inputs:
    server: ServerConfig | None
    certs: list[CertInfo]
    profiles: list[Profile]
    summaries: list[InputSummary] = field(default_factory=list)


def load_inputs(server: list[Path], certs: list[Path], profiles: list[Path],
                ask_password: PasswordPrompt | None = None) -> Inputs:
    cfg = load_server(server) if server else None
    cert_infos = [c for p in certs for c in load_certificates(p, ask_password=ask_password)]
    profs = [load_profile(p) for p in profiles]
    summaries: list[InputSummary] = []
    if cfg:
        for f in cfg.files:
            summaries.append(InputSummary(path=f, format="strongswan-config", side="config", lines=_lines(f),
                                          recognised=0, events=0, unparsed=0))
    for p in certs:
        summaries.append(InputSummary(path=str(p), format="certificate", side="config", lines=0, recognised=0,
                                      events=0, unparsed=0))
    for pr in profs:
        summaries.append(InputSummary(path=pr.path, format="mobileconfig" + (" (signed)" if pr.signed else ""),
                                      side="config", lines=0, recognised=0, events=0, unparsed=0))
    return Inputs(cfg, cert_infos, profs, summaries)


def _lines(path: str) -> int:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").count("\n")
    except OSError:
        return 0


def _context(inputs: Inputs, clients: list[str], strongswan_version: str | None) -> Context:
    return Context(server=inputs.server, certs=inputs.certs, profiles=inputs.profiles,
                   clients=resolve_clients(clients or DEFAULT_CLIENTS, inputs.profiles),
                   strongswan_version=strongswan_version)


def _finding(res: Result) -> Finding:
    spec = load_rules()[res.rule]
    values = {"conn": res.connection or "", **res.values}
    try:
        root = spec.root_cause.format(**values)
        fix = spec.fix.format(**values)
    except (KeyError, IndexError) as exc:  # a template names a value the rule did not set
        root, fix = spec.root_cause, spec.fix
        res.notes.append(f"template value missing: {exc}")
    who = ", ".join(res.clients) if res.clients else "Apple clients"
    where = f" [{res.connection}]" if res.connection else ""
    notes = list(res.notes)
    if spec.severity == "advisory":
        notes.insert(0, "advisory: may fail under some conditions, not on every connection attempt")
    return Finding(
        id=res.rule, title=f"{spec.title}{where} (fails for {who})",
        confidence=round(res.confidence if res.confidence is not None else spec.confidence, 2),
        side="config", root_cause=" ".join(root.split()), fix=fix.strip(),
        evidence=list(res.evidence), session=res.connection, references=list(spec.references), notes=notes,
        fix_snippets=[v.snippet() for v in res.values.values() if isinstance(v, FixAction)],
    )


def is_advisory(finding: Finding) -> bool:
    """Advisory findings (e.g. no DPD) are reported but do not make ``check`` exit 1."""
    return any(n.startswith("advisory:") for n in finding.notes)


def check(server: list[Path], certs: list[Path], profiles: list[Path], clients: list[str],
          strongswan_version: str | None = None, ask_password: PasswordPrompt | None = None) -> Report:
    """Evaluate all configuration rules; a ``Report`` whose findings are what will fail."""
    inputs = load_inputs(server, certs, profiles, ask_password)
    ctx = _context(inputs, clients, strongswan_version)
    return _report(inputs, ctx, evaluate(ctx))


def check_live(session, source: str, clients: list[str], strongswan_version: str | None = None,
               profiles: list[Path] = ()) -> Report:  # type: ignore[assignment]
    """``check`` on what charon has loaded, read over its VICI ``session`` (see ``vici_live``).

    Rules that need a setting VICI does not report are "not evaluated", never run on defaults.
    """
    from .vici_live import read_answers

    ans = read_answers(session, source)
    inputs = live_inputs(ans, [], list(profiles))
    ctx = _context(inputs, clients, strongswan_version or ans.version.get("version"))
    return _report(inputs, ctx, live_results(ctx, ans))


def live_inputs(ans, certs: list[Path] = (), profiles: list[Path] = ()) -> Inputs:  # type: ignore[assignment]
    """The VICI answers (``vici_live.LiveAnswers``) as check inputs; certificate files and
    profiles given besides are added."""
    from .vici_live import certs_from_answers, server_from_answers

    loaded, notes = certs_from_answers(ans)
    cert_infos = loaded + [c for p in certs for c in load_certificates(p)]
    profs = [load_profile(p) for p in profiles]
    summary = InputSummary(path=ans.source, format=f"vici (charon {ans.version.get('version', '?')})", side="config",
                           lines=0, recognised=len(ans.conns), events=0, unparsed=0)
    inputs = Inputs(server_from_answers(ans), cert_infos, profs, [summary])
    inputs.server.warnings.extend(notes)  # type: ignore[union-attr]
    return inputs


def live_results(ctx: Context, ans, connection: str | None = None) -> list[Result]:
    """Every rule on the live answers: those VICI reports the inputs of as on files, those with a
    live form (``LIVE_RULES``) by it, every other one "not evaluated"."""
    from .vici_live import LIVE_RULES, NOT_OVER_VICI, VICI_RULES

    results = [r for r in evaluate(ctx, connection=connection) if r.rule not in LIVE_RULES]
    for r in results:
        if r.rule not in VICI_RULES:
            r.status, r.reason, r.evidence = "unknown", NOT_OVER_VICI, []
    specs = load_rules()
    conns = [c for c in ctx.server.connections if connection is None or c.name == connection]  # type: ignore[union-attr]
    for rid, fn in LIVE_RULES.items():
        results.extend(fn(specs[rid], conn, ctx, ans) for conn in conns)
    return results


def _report(inputs: Inputs, ctx: Context, results: list[Result]) -> Report:
    from diagnose import __version__

    report = Report(inputs=inputs.summaries, tool_version=__version__)
    report.findings = sorted((_finding(r) for r in results if r.status == "fail"),
                             key=lambda f: (is_advisory(f), -f.confidence, f.id))
    if inputs.server:
        report.warnings.extend(inputs.server.warnings)
    for c in ctx.clients:
        if c.note:
            report.warnings.append(c.note)
    by_reason: dict[str, list[str]] = {}
    for r in results:
        if r.status == "unknown" and r.reason:
            by_reason.setdefault(r.reason, []).append(r.rule + (f" [{r.connection}]" if r.connection else ""))
    for reason, rules in by_reason.items():
        report.warnings.append(f"not evaluated ({reason}): {', '.join(dict.fromkeys(rules))}")
    failures = [f for f in report.findings if not is_advisory(f)]
    if failures:
        report.status = "failure"
        report.verdict = f"{len(failures)} configuration problem(s) will make Apple clients fail"
    elif report.findings:
        report.status = "advisory"
        report.verdict = "no certain failure; advisories only"
    else:
        report.status = "healthy"
        report.verdict = "nothing in the configuration will fail for " + ", ".join(c.id for c in ctx.clients)
    return report


@dataclass(slots=True)
class ConfigFact:
    """What the configuration says about one catalog id.

    status: ``confirmed`` (the config has the cause), ``contradicted`` (the rule was evaluated
    and the config does not have it), ``unknown`` (an input it needs was not given).
    """

    id: str
    status: str
    evidence: list[Evidence] = field(default_factory=list)
    reason: str = ""
    connections: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)


def config_facts(server: list[Path], certs: list[Path] = (), profiles: list[Path] = (),  # type: ignore[assignment]
                 clients: list[str] | None = None, connection: str | None = None,
                 strongswan_version: str | None = None) -> dict[str, ConfigFact]:
    """Per catalog id: is the cause present in the configuration?

    ``connection`` restricts the evaluation to one connection name (the ``ike_name`` in the log),
    ``clients`` to the client OS versions seen (default ios-16, macos-13).  Evidence entries have
    ``role="config"``/``side="config"`` and point at the config line (path, line).  For
    ``contradicted`` they show the line that rules the cause out.  Never raises for a missing
    connection: every rule is then ``unknown``.
    """
    inputs = load_inputs(list(server), list(certs), list(profiles))
    ctx = _context(inputs, list(clients or DEFAULT_CLIENTS), strongswan_version)
    return facts_from_results(evaluate(ctx, connection=connection))


def live_config_facts(ans, certs: list[Path] = (), profiles: list[Path] = (),  # type: ignore[assignment]
                      clients: list[str] | None = None, connection: str | None = None) -> dict[str, ConfigFact]:
    """``config_facts`` on what charon has loaded (``vici_live.LiveAnswers``): a rule VICI cannot
    feed is ``unknown``, so it neither confirms nor contradicts a log finding."""
    inputs = live_inputs(ans, list(certs), list(profiles))
    ctx = _context(inputs, list(clients or DEFAULT_CLIENTS), ans.version.get("version"))
    return facts_from_results(live_results(ctx, ans, connection))


def facts_from_results(results: list[Result]) -> dict[str, ConfigFact]:
    """Rule results -> one ``ConfigFact`` per catalog id."""
    facts: dict[str, ConfigFact] = {}
    for rid in load_rules():
        mine = [r for r in results if r.rule == rid]
        fails = [r for r in mine if r.status == "fail"]
        passes = [r for r in mine if r.status == "pass"]
        if fails:
            fact = ConfigFact(rid, "confirmed", [e for r in fails for e in r.evidence],
                              "; ".join(dict.fromkeys(_finding(r).root_cause for r in fails)))
            fact.clients = sorted({c for r in fails for c in r.clients})
            fact.connections = sorted({r.connection for r in fails if r.connection})
        elif passes and not any(r.status == "unknown" for r in mine):
            fact = ConfigFact(rid, "contradicted", [e for r in passes for e in r.evidence],
                              "; ".join(dict.fromkeys(r.reason for r in passes if r.reason)))
            fact.connections = sorted({r.connection for r in passes if r.connection})
        else:
            fact = ConfigFact(rid, "unknown", [e for r in mine for e in r.evidence],
                              "; ".join(dict.fromkeys(r.reason for r in mine if r.reason)) or "not evaluated")
        facts[rid] = fact
    return facts
