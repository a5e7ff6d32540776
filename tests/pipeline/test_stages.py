"""``diagnose/pipeline``: each stage stands alone, imports only earlier stages, never the facade."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PIPELINE = Path(__file__).resolve().parents[2] / "diagnose" / "pipeline"
#: the stages top to bottom, then the compositions; a module may import only modules before it
ORDER = ["options", "gate", "opening", "parsing", "settling", "building", "judging", "assembling",
         "in_memory", "streaming", "other_reading", "run"]


def _imports(module: str) -> set[str]:
    """The ``diagnose`` modules one pipeline module imports, as dotted names relative to ``diagnose``."""
    tree = ast.parse((PIPELINE / f"{module}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1:  # from .x import y: a sibling in the pipeline
                out |= {f"pipeline.{base}"} if base else {f"pipeline.{a.name}" for a in node.names}
            elif node.level == 2:
                out.add(base)
            elif base.startswith("diagnose"):
                out.add(base.removeprefix("diagnose."))
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix("diagnose.") for a in node.names if a.name.startswith("diagnose")}
    return out


def test_every_module_of_the_package_is_in_the_order():
    assert {p.stem for p in PIPELINE.glob("*.py")} - {"__init__"} == set(ORDER)


@pytest.mark.parametrize("module", ORDER)
def test_a_stage_imports_only_earlier_stages_and_never_the_facade(module):
    imported = _imports(module)
    assert "api" not in imported and "stream" not in imported
    earlier = {f"pipeline.{m}" for m in ORDER[:ORDER.index(module)]}
    assert {m for m in imported if m.startswith("pipeline")} <= earlier, module


@pytest.mark.parametrize("module", ORDER)
def test_each_stage_imports_alone_without_loading_the_facade(module):
    code = (f"import sys\nimport diagnose.pipeline.{module}\n"
            "print(sorted(m for m in sys.modules if m in ('diagnose.api', 'diagnose.stream')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=PIPELINE.parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_facade_keeps_its_public_names():
    import diagnose.api as api
    from diagnose.pipeline import opening, parsing, run
    for name in ("diagnose_paths", "diagnose_sources", "Options", "STREAM_ABOVE", "parse_source",
                 "open_input", "parse_events", "session_summary", "hint_tz", "OpenedInput", "ParsedInput"):
        assert hasattr(api, name), name
    assert api.diagnose_paths is run.diagnose_paths and api.open_input is opening.open_input
    assert api.parse_events is parsing.parse_events
