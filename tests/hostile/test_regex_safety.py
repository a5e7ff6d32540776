"""Regex safety: pathological lines against every parser pattern and every catalog pattern.

Every regex object reachable from the parser modules (message tables, line
forms, helpers) and from the catalog is run on lines built to make
backtracking engines explode: 64 KiB of one character, nested parentheses,
repeated separators, near-misses of real prefixes.  The budget per search is
generous (2 s, far above the linear cost) so only catastrophic patterns fail;
the code paths themselves must never raise (their own timeouts are caught).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import regex

import diagnose.parsers
from diagnose.catalog.model import CatalogError, load_catalog, load_pattern
from diagnose.parsers.base import ParseContext
from diagnose.parsers.registry import PARSERS

N = 64 * 1024
PROBES = [
    "a" * N + "!", " " * N + "x", "\t " * (N // 2), "(" * (N // 2) + ")" * (N // 2) + "(", "[" * N, "<" * N,
    "A/" * (N // 2) + "!", ":" * N, "." * N, "'" * N, '"' * N, "=" * N, ", " * (N // 2), "0" * N + "z",
    "1.1.1.1[a]..." * (N // 14), "N(A) " * (N // 5) + "[", "C=CH, " * (N // 6) + "=",
    "Nov 28 05:27:05 16[CFG] " + "<rw|2> " * (N // 8),
    "Nov 28 05:27:05 host charon[1]: " * (N // 32),
    "2024-01-01 10:00:00.000000+0100 0x1 Default 0x0 1 0 NEIKEv2Provider: " + "a: " * (N // 3),
    "NESMIKEv2VPNSession[" * (N // 20), "IKEv2 " * (N // 6) + "\x00",
]
BUDGET = 2.0


def _patterns(obj: Any, depth: int = 0) -> Iterator[Any]:
    if isinstance(obj, regex.Pattern):
        yield obj
    elif depth < 3 and isinstance(obj, dict):
        for v in obj.values():
            yield from _patterns(v, depth + 1)
    elif depth < 3 and isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _patterns(v, depth + 1)
    elif depth < 3 and hasattr(obj, "__slots__") or hasattr(obj, "__dict__") and not isinstance(obj, type):
        for name in getattr(obj, "__slots__", ()) or vars(obj):
            if name in ("compiled", "rx", "pattern_rx"):
                yield from _patterns(getattr(obj, name, None), depth + 1)


def parser_patterns() -> list[tuple[str, Any]]:
    found: dict[int, tuple[str, Any]] = {}
    for mod in pkgutil.iter_modules(diagnose.parsers.__path__):
        m = importlib.import_module(f"diagnose.parsers.{mod.name}")
        for name, value in vars(m).items():
            for rx in _patterns(value):
                found.setdefault(id(rx), (f"{mod.name}.{name}", rx))
    from diagnose.parsers.charon_table import table
    t = table()
    for rule in [r for rules in t.by_word.values() for r in rules] + t.floating:
        found.setdefault(id(rule.rx), (f"charon_messages: {rule.format[:40]}", rule.rx))
    return list(found.values())


PARSER_PATTERNS = parser_patterns()


def test_the_tables_are_found():
    names = {n.split(":")[0].split(".")[0] for n, _ in PARSER_PATTERNS}
    assert "charon_messages" in names and len(PARSER_PATTERNS) > 100


@pytest.mark.parametrize("probe", range(len(PROBES)))
def test_no_parser_pattern_backtracks_catastrophically(probe):
    line = PROBES[probe]
    slow = []
    for name, rx in PARSER_PATTERNS:
        try:
            rx.search(line, timeout=BUDGET)
        except TimeoutError:
            slow.append(name)
    assert not slow, f"patterns that time out on probe {probe}: {slow}"


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
def test_parsers_survive_pathological_lines(parser):
    ctx = ParseContext(path="redos.log")
    list(parser.parse(list(enumerate(PROBES, 1)), ctx))
    assert ctx.stats.lines == len(PROBES)
    parser.sniff(PROBES)


def test_no_catalog_pattern_backtracks_catastrophically():
    slow = []
    for p in load_catalog():
        for group in p.required + p.supporting + p.contradicting:
            for cond in group.any:
                for spec, rx in cond.compiled.items():
                    for line in PROBES:
                        try:
                            rx.search(line, timeout=BUDGET)
                        except TimeoutError:
                            slow.append((p.id, spec))
    assert not slow


@pytest.mark.parametrize("bad", [r"(a+)+$", r"(\w+\s?)+$", r"(x+x+)+y", r"(a|aa)+$", r"(\w|\d)+$", r"([a-z]+-?)+\d$"])
def test_catastrophic_catalog_regex_is_rejected_at_load(tmp_path: Path, bad: str):
    f = tmp_path / "evil.toml"
    f.write_text(f'''id = "evil"
title = "t"
root_cause = "r"
fix = "f"
[[required]]
name = "g"
any = [{{ event = "auth_failed", where = {{ reason = 're:{bad}' }} }}]
''')
    with pytest.raises(CatalogError, match="backtracks catastrophically"):
        load_pattern(f)


def test_only_patterns_of_a_backtracking_shape_are_probed():
    """The load-time probes (slow) run where catastrophic backtracking is possible at all."""
    from diagnose.catalog.model import _backtracking_shape
    for risky in ("(a+)+$", "(.*,)*z", r"(\d+|\d+\.)+#", ".*,.*z", "a{2,}b{3,}", "(x|xy)?"):
        assert _backtracking_shape(risky), risky
    for plain in ("(?i)signature|RSA|ECDSA", r"^CP(RP|S)\(.*\bDNS6?\b", "[*+]x", "is full", r"\++"):
        assert not _backtracking_shape(plain), plain
