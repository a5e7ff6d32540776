"""The bundled samples and what each must produce (from its sample.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@dataclass
class Sample:
    name: str
    folder: Path
    expect: list[str]
    expect_server_only: list[str] | None
    files: dict[str, dict]
    source: str
    corpus: bool = False  # a real public paste scored in docs/accuracy.md, not held to exact findings
    first: str | None = None  # the catalog id the thread's resolution names (corpus samples)
    status: str | None = None  # failure | unidentified-failure | inconclusive | healthy | no-ike
    label: str = ""  # the thread's confirmed cause, or "unconfirmed: ..."
    confirmed: bool = False  # the thread confirms the cause
    xfail: str | None = None  # why ikedoctor still gets this corpus case wrong (kept in, honestly scored)

    def server_files(self) -> list[Path]:
        return [self.folder / f for f, meta in self.files.items() if meta.get("side") == "server"]

    def log_files(self) -> list[Path]:
        return [self.folder / f for f in self.files] if self.files else [self.folder]


def all_samples() -> list[Sample]:
    out = []
    for toml in sorted(SAMPLES.glob("*/sample.toml")):
        data = tomllib.loads(toml.read_text("utf-8"))
        out.append(Sample(name=toml.parent.name, folder=toml.parent, expect=list(data.get("expect", [])),
                          expect_server_only=data.get("expect_server_only"), files=dict(data.get("files", {})),
                          source=data.get("source", ""), corpus=bool(data.get("corpus", False)),
                          first=data.get("first"), status=data.get("status"), label=data.get("label", ""),
                          confirmed=bool(data.get("confirmed", False)), xfail=data.get("xfail")))
    return out
