"""The library API the CLI, ``batch`` and the tests call: a facade over ``diagnose.pipeline``.

``diagnose_paths`` runs the whole flow: sources → format detection → parsing → settling
→ sessions → (cross-side pairing) → catalog → report. It never prints; the caller renders
the returned ``Report``. The stages live in ``diagnose/pipeline/`` (see its ``__init__``);
this module only names what callers use.
"""

from __future__ import annotations

from .pipeline.assembling import POSSIBLE_BELOW, session_summary
from .pipeline.opening import HEAD_BYTES, OpenedInput, hint_tz, open_input
from .pipeline.options import STREAM_ABOVE, Options
from .pipeline.parsing import ParsedInput, parse_events, parse_source, parse_source_tolerant
from .pipeline.run import collector_paused, diagnose_paths, diagnose_sources

__all__ = ["HEAD_BYTES", "POSSIBLE_BELOW", "STREAM_ABOVE", "OpenedInput", "Options", "ParsedInput",
           "collector_paused", "diagnose_paths", "diagnose_sources", "hint_tz", "open_input", "parse_events",
           "parse_source", "parse_source_tolerant", "session_summary"]
