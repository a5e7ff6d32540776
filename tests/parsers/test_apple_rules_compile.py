"""Apple message rules compile their patterns lazily; every one must still be a valid regex."""

from __future__ import annotations

from diagnose.parsers import apple_messages


def test_every_apple_rule_pattern_compiles():
    tables = [v for v in vars(apple_messages).values()
              if isinstance(v, tuple) and v and all(isinstance(r, apple_messages.Rule) for r in v)]
    rules = [r for t in tables for r in t]
    assert len(rules) > 50
    for r in rules:
        assert r.compiled.pattern == r.pattern, r.id
