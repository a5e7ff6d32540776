"""The parsers ikedoctor knows, in the order detection breaks ties."""

from __future__ import annotations

import importlib

from .base import LogParser
from .charon import CharonParser

# (module, class) of parsers for the Apple side; loaded when present
_OPTIONAL = (
    ("diagnose.parsers.apple_unified", "AppleUnifiedParser"),
    ("diagnose.parsers.apple_legacy", "AppleLegacyParser"),
    ("diagnose.parsers.racoon", "RacoonParser"),
)


def _load() -> list[LogParser]:
    parsers: list[LogParser] = [CharonParser()]
    for module, cls in _OPTIONAL:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        if hasattr(mod, cls):
            parsers.append(getattr(mod, cls)())
    return parsers


PARSERS: list[LogParser] = _load()


def by_name(name: str) -> LogParser | None:
    return next((p for p in PARSERS if p.name == name), None)
