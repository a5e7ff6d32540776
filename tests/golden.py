"""Golden comparison: a fast path against the path it replaces, byte for byte.

A speed-up that may not change any report (issue 16) is tested by running the same inputs
twice, once as shipped and once with a module-level switch forcing the reference path, and
comparing the JSON reports as the CLI writes them.  ``GoldenComparison`` holds the cases:
every sample folder, every sample log alone (in memory and streamed), every lab gateway log
re-rendered in every prefix style of ``charon_styles``; a test module subclasses it and names
its switch (a corpus slice, ``conftest.corpus_log``, is left to each module: what else it must
show differs).
"""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from charon_styles import STYLES, rendered_sample_logs
from diagnose.api import Options, diagnose_paths
from samples_index import all_samples

SAMPLES = all_samples()
LOGS = [f for s in SAMPLES for f in s.log_files() if f.is_file()]


def report_json(paths: list[str], streamed: bool, switch: tuple[ModuleType, str], forced: bool,
                monkeypatch) -> str:
    """The report for ``paths`` with ``switch`` (module, name) set to ``forced``."""
    monkeypatch.setattr(*switch, forced)
    d = diagnose_paths(paths, Options(stream_above=0 if streamed else None)).to_dict()
    d.pop("tool_version", None)
    return json.dumps(d, indent=2, ensure_ascii=False, default=str)


def assert_same(paths: list[str], switch: tuple[ModuleType, str], monkeypatch, streamed: bool = False) -> None:
    fast = report_json(paths, streamed, switch, False, monkeypatch)
    assert fast == report_json(paths, streamed, switch, True, monkeypatch), paths


class GoldenComparison:
    """The shared cases; a subclass (``TestX``) sets ``switch`` to the (module, name) whose
    ``True`` forces the reference path."""

    switch: tuple[ModuleType, str]

    @pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
    def test_every_sample_folder_gives_the_same_report(self, sample, monkeypatch):
        assert_same([str(sample.folder)], self.switch, monkeypatch)

    @pytest.mark.parametrize("log", LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_every_sample_log_alone_gives_the_same_report(self, log, monkeypatch):
        assert_same([str(log)], self.switch, monkeypatch)
        assert_same([str(log)], self.switch, monkeypatch, streamed=True)

    @pytest.mark.parametrize("style", STYLES)
    def test_every_prefix_style_gives_the_same_report(self, style, tmp_path, monkeypatch):
        rendered = 0
        for out in rendered_sample_logs(SAMPLES, style, tmp_path):
            assert_same([str(out)], self.switch, monkeypatch)
            rendered += 1
        assert rendered
