"""Whether one event meets one catalog condition: the single test every finding is built from.

Kept apart from the engine (``engine.py``), which scores patterns over units, so that the
candidate filter (``candidates.py``) can ask the same question without importing the engine.
"""

from __future__ import annotations

from typing import Any

from ..events import Event
from .model import REGEX_TIMEOUT, Condition

_ENVELOPE = frozenset({"peer", "ike_name", "side"})


def attr_value(ev: Event, attr: str) -> Any:
    """An attribute as a condition reads it: ``peer``/``ike_name``/``side`` from the event itself."""
    if attr == "peer":
        return ev.peer
    if attr == "ike_name":
        return ev.ike_name
    if attr == "side":
        return ev.side.value
    return ev.attrs.get(attr)


def _scalar_ok(actual: Any, spec: Any, cond: Condition) -> bool:
    if type(spec) is str and not spec.startswith("re:"):  # the common case, decided without the ladder below
        return actual is not None and str(actual) == spec
    if isinstance(spec, dict) and "not" in spec:
        return not _scalar_ok(actual, spec["not"], cond)
    if isinstance(spec, list):
        return any(_scalar_ok(actual, s, cond) for s in spec)
    if isinstance(spec, str) and spec.startswith("re:"):
        if actual is None:
            return False
        text = " ".join(map(str, actual)) if isinstance(actual, list) else str(actual)
        try:
            return cond.compiled[spec].search(text, timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            return False
    if isinstance(spec, bool) or actual is None:
        return actual == spec
    return str(actual) == str(spec)


def _token_in(token: str, payloads: list[str], cond: Condition) -> bool:
    if token.startswith("re:"):
        rx = cond.compiled[token]
        try:
            return any(rx.search(p, timeout=REGEX_TIMEOUT) for p in payloads)
        except TimeoutError:  # as in _scalar_ok: a pathological payload does not match
            return False
    bare = "(" not in token
    return any(p == token or (bare and p.split("(", 1)[0] == token) for p in payloads)


def _compile_where(where: dict[str, Any]) -> tuple[tuple[str, int, Any], ...]:
    """``(attr, how, spec)``: 0 = one plain value, 1 = any of plain values (a set), 2 = general.

    0 and 1 decide exactly what ``_scalar_ok`` decides for those specs, without its type ladder.
    """
    out = []
    for attr, spec in where.items():
        if type(spec) is str and not spec.startswith("re:"):
            out.append((attr, 0, spec))
        elif type(spec) is list and spec and all(type(x) is str and not x.startswith("re:") for x in spec):
            out.append((attr, 1, frozenset(spec)))
        else:
            out.append((attr, 2, spec))
    return tuple(out)


def event_matches(ev: Event, cond: Condition) -> bool:
    if ev.kind != cond.event:
        return False
    if cond.side and ev.side._value_ != cond.side:
        return False
    attrs = ev.attrs
    checks = cond.where_plan
    if checks is None:
        checks = cond.where_plan = _compile_where(cond.where)
    for attr, how, spec in checks:
        actual = attrs.get(attr) if attr not in _ENVELOPE else attr_value(ev, attr)
        if how == 0:
            if actual is None or str(actual) != spec:
                return False
        elif how == 1:
            if actual is None or str(actual) not in spec:
                return False
        elif not _scalar_ok(actual, spec, cond):
            return False
    if cond.has or cond.lacks:
        payloads = ev.attrs.get("payloads") or []
        if any(not _token_in(t, payloads, cond) for t in cond.has):
            return False
        if any(_token_in(t, payloads, cond) for t in cond.lacks):
            return False
    return True


def uses_envelope(cond: Condition) -> bool:
    """A condition on ``peer``/``ike_name``/``side``: those live on each event, not in its shared attributes."""
    return any(attr in _ENVELOPE for attr in cond.where)
