import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def corpus_log(tmp_path_factory) -> Path:
    """A 2 MB slice of the benchmark corpus (copies of the lab gateway logs), built once."""
    from benchmarks.corpus import build
    [log] = build(tmp_path_factory.mktemp("corpus"), 2_000_000, 1)
    return log
