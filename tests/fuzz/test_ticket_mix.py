"""Property test: any ticket made of real logs is diagnosed and rendered without an exception.

A support ticket holds whatever logs the user found: a gateway log in any of charon's prefix
styles, Console copies, an old system.log, several of each, some with a collect bundle's manifest
stating the year. Cases are drawn from every bundled sample's logs and from the lab's gateway
logs re-rendered in each prefix style (the message texts stay those the real daemon wrote; see
tests/charon_styles.py). Bounded for CI.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from charon_styles import STYLES, render
from diagnose.api import Options, diagnose_sources
from diagnose.catalog.model import load_catalog
from diagnose.errors import InputError
from diagnose.input.sources import Source
from diagnose.report.markdown import render_markdown
from diagnose.report.terminal import render_terminal
from samples_index import SAMPLES

CATALOG = load_catalog()
SAMPLE_LOGS = sorted(SAMPLES.glob("*/*.log"))
LAB_GATEWAY_LOGS = sorted(SAMPLES.glob("lab-*/server-charon.log"))


@st.composite
def ticket_log(draw) -> Source:
    """One log as a ticket would carry it: a sample's file as is, or a lab log in another style."""
    if draw(st.booleans()):
        p = draw(st.sampled_from(SAMPLE_LOGS))
        name, data = f"{p.parent.name}/{p.name}", p.read_bytes()
    else:
        p = draw(st.sampled_from(LAB_GATEWAY_LOGS))
        style = draw(st.sampled_from(STYLES))
        year = draw(st.sampled_from([2019, 2026, 2027]))
        lines = render(p.read_text("utf-8").splitlines(), style, year)
        name, data = f"{p.parent.name}/{style}-{year}.log", ("\n".join(lines) + "\n").encode()
    hints: dict[str, object] = {"year": 2026} if draw(st.booleans()) else {}  # a bundle manifest's
    mtime = draw(st.sampled_from([None, 1.7e9]))
    return Source(name, lambda: io.BytesIO(data), size=len(data), mtime=mtime, hints=hints)


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(logs=st.lists(ticket_log(), min_size=1, max_size=6),
       year=st.sampled_from([None, 2020]),
       tz=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-5))]))
def test_any_mix_of_real_logs_is_diagnosed_and_rendered(logs, year, tz):
    sources = [dataclasses.replace(src, name=f"{i}-{src.name}") for i, src in enumerate(logs)]
    try:
        report = diagnose_sources(sources, Options(catalog=CATALOG, year=year, tz=tz))
    except InputError:
        return
    report.to_dict()
    render_markdown(report)
    render_terminal(report, Console(file=io.StringIO(), width=80), verbose=True)
