"""Stage 3, settling: the year and zone the logs did not print, decided across all inputs.

In memory the events are corrected in place (``settle_parsed``); the streaming path decides
from the first pass's time counts (``plan_streamed``) and corrects each event as the second
pass reads it. Both describe an input the same way (``_facts``). The rules are in
``diagnose/settle.py``.
"""

from __future__ import annotations

from typing import Any

from ..input.sources import Source
from ..settle import InputTimes, Settlement, TimedInput, TimeSummary, plan_settlement, settle_times
from .opening import hint_tz
from .options import Options
from .parsing import ParsedInput


def _facts(src: Source) -> dict[str, Any]:
    """What settling reads about an input besides its times: its mtime and which hints were given."""
    return {"mtime": src.mtime, "year_given": isinstance(src.hints.get("year"), int),
            "tz_given": hint_tz(src) is not None}


def settle_parsed(parsed: list[tuple[Source, ParsedInput]], opts: Options) -> list[str]:
    """Correct the parsed inputs' event times in place; the notes for the report's warnings."""
    return settle_times([TimedInput(src.name, p.events, p.side.value, **_facts(src)) for src, p in parsed],
                        opts.year, opts.tz)


def plan_streamed(inputs: list[tuple[Source, TimeSummary, str]], opts: Options) -> tuple[list[Settlement], list[str]]:
    """Per input (source, its time counts, its side) the correction to apply as it is read again."""
    return plan_settlement([InputTimes(src.name, times, side, **_facts(src)) for src, times, side in inputs],
                           opts.year, opts.tz)
