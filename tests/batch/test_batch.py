"""ikedoctor batch: cases, rotation order, equivalence with diagnose, bad members, executors, outputs."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from diagnose.api import diagnose_sources
from diagnose.batch import discover, run_case
from diagnose.batch.driver import BatchOptions, run_batch
from diagnose.batch.rotation import order_rotated
from diagnose.batch.summary import Filters
from diagnose.batch.unit import case_sources, options_for
from samples_index import all_samples

SAMPLES = all_samples()
HEALTHY = next(s for s in SAMPLES if not s.expect and (s.folder / "server-charon.log").exists())
LOG = (HEALTHY.folder / "server-charon.log").read_bytes()


def _batch(paths, **kw) -> str:
    out = io.StringIO()
    run_batch([str(p) for p in paths], out, BatchOptions(progress=False, **kw))
    return out.getvalue()


def _jsonl(paths, **kw) -> list[dict]:
    return [json.loads(line) for line in _batch(paths, format="jsonl", **kw).splitlines()]


def test_rotated_files_are_read_oldest_first():
    names = ["d/charon.log", "d/charon.log.1", "d/charon.log.2.gz", "d/charon.log.10.gz", "d/auth.log",
             "d/auth.log-20240102.gz", "d/auth.log-20240101"]
    assert order_rotated(names) == ["d/auth.log-20240101", "d/auth.log-20240102.gz", "d/auth.log",
                                    "d/charon.log.10.gz", "d/charon.log.2.gz", "d/charon.log.1", "d/charon.log"]


def test_folders_and_ticket_tarballs_become_cases(tmp_path):
    for t in ("t1", "t2"):
        (tmp_path / "dir" / t).mkdir(parents=True)
        (tmp_path / "dir" / t / "charon.log").write_bytes(LOG)
    arc = tmp_path / "tickets.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        for t in ("a", "b"):
            info = tarfile.TarInfo(f"{t}/charon.log")
            info.size = len(LOG)
            tar.addfile(info, io.BytesIO(LOG))
    cases = discover([str(tmp_path / "dir"), str(arc)])
    assert [c.name for c in cases] == [str(tmp_path / "dir" / "t1"), str(tmp_path / "dir" / "t2"),
                                       f"{arc}!a", f"{arc}!b"]
    assert all(len(c.inputs) == 1 for c in cases)


def _samples_archive(tmp_path: Path) -> Path:
    arc = tmp_path / "samples.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        for s in SAMPLES:
            for f in sorted(s.folder.iterdir()):
                tar.add(f, arcname=f"{s.name}/{f.name}")
    return arc


def test_batch_over_archive_of_all_samples_equals_diagnose(tmp_path):
    """Per case, batch's findings are exactly diagnose's for the same inputs."""
    arc = _samples_archive(tmp_path)
    results = {r["case"]: r for r in _jsonl([arc], jobs=1)}
    assert set(results) == {f"{arc}!{s.name}" for s in SAMPLES}
    for spec in discover([str(arc)]):
        warnings: list[str] = []
        report = diagnose_sources(case_sources(spec, warnings), options_for(spec), warnings)
        expected = json.loads(json.dumps(report.to_dict()["findings"], default=str))
        assert results[spec.name]["findings"] == expected, spec.name
    # and the archive gives what the sample folders give (paths aside)
    for s in SAMPLES:
        got = sorted(f["id"] for f in results[f"{arc}!{s.name}"]["findings"])
        folder = {f["id"] for f in _jsonl([s.folder], jobs=1)[0]["findings"]}
        assert set(got) == folder, s.name


def test_parallel_and_serial_runs_are_identical(tmp_path):
    arc = _samples_archive(tmp_path)
    serial = _batch([arc], format="jsonl", executor="serial")
    pooled = _batch([arc], format="jsonl", executor="process", jobs=2)

    def strip(text: str) -> list[dict]:
        rows = [json.loads(line) for line in text.splitlines()]
        for r in rows:
            r.pop("seconds")
        return rows
    assert strip(serial) == strip(pooled)


def test_bad_members_are_reported_per_case_and_do_not_stop_the_batch(tmp_path):
    arc = tmp_path / "bad.tar"
    members = {
        "t1/charon.log": LOG,
        "t1/broken.log.gz": gzip.compress(LOG)[:200],  # truncated
        "t1/core.bin": b"\x7fELF\x00\x00\x01" * 500,  # binary
        "t2/charon.log": LOG,
        "../escape.log": LOG,  # hostile path
    }
    with tarfile.open(arc, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    rows = _jsonl([arc, tmp_path / "garbage.zip"], jobs=1)
    text = json.dumps(rows)
    assert "escape.log" in text and "core.bin" in text and "broken.log.gz" in text
    ok = [r for r in rows if r["case"].endswith("!t2")]
    assert ok and ok[0]["error"] is None and ok[0]["inputs"]
    t1 = next(r for r in rows if r["case"].endswith("!t1"))
    paths = [i["path"] for i in t1["inputs"]]
    assert t1["error"] is None and f"{arc}!t1/charon.log" in paths and f"{arc}!t1/core.bin" not in paths
    assert any("core.bin" in w for w in t1["warnings"])
    assert len(rows) >= 3  # the damaged zip is a case with an error, not a crash
    assert not list(tmp_path.glob("escape.log")) and not (tmp_path.parent / "escape.log").exists()


def test_nested_archive_is_opened_one_level_and_named_by_its_path(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("charon.log", LOG)
    outer = tmp_path / "outer.tar"
    with tarfile.open(outer, "w") as tar:
        info = tarfile.TarInfo("ticket.zip")
        info.size = len(inner.getvalue())
        tar.addfile(info, io.BytesIO(inner.getvalue()))
    rows = _jsonl([outer], jobs=1)
    assert [r["case"] for r in rows] == [f"{outer}!ticket.zip"]
    assert rows[0]["inputs"][0]["path"] == f"{outer}!ticket.zip!charon.log"
    assert "ikedoctor-batch-" not in json.dumps(rows)


def test_csv_json_and_text_outputs(tmp_path):
    arc = _samples_archive(tmp_path)
    rows = list(csv.DictReader(io.StringIO(_batch([arc], format="csv", jobs=1))))
    assert {r["finding"] for r in rows if r["finding"]} >= {i for s in SAMPLES for i in s.expect}
    doc = json.loads(_batch([arc], format="json", jobs=1))
    assert doc["summary"]["cases"] == len(SAMPLES)
    assert {f["id"] for f in doc["summary"]["findings"]} >= {i for s in SAMPLES for i in s.expect}
    text = _batch([arc], format="text", jobs=1)
    assert "Findings" in text and "Worst cases" in text


def test_finding_filter_keeps_only_matching_cases(tmp_path):
    arc = _samples_archive(tmp_path)
    target = next(i for s in SAMPLES for i in s.expect)
    rows = _jsonl([arc], jobs=1, filters=Filters(finding={target}))
    assert rows and all({f["id"] for f in r["findings"]} == {target} for r in rows)
    none = _jsonl([arc], jobs=1, filters=Filters(since=__import__("datetime").datetime(2999, 1, 1)))
    assert all(not r["findings"] for r in none)


def test_run_case_is_picklable_and_never_raises(tmp_path):
    import pickle
    (tmp_path / "x.log").write_bytes(b"\x00\x01\x02" * 1000)
    [spec] = discover([str(tmp_path)])
    res = pickle.loads(pickle.dumps(run_case(pickle.loads(pickle.dumps(spec)))))
    assert res.error and "binary" in res.error


def test_dask_executor_runs_the_same_unit(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed (optional extra)")
    arc = _samples_archive(tmp_path)
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        got = _batch([arc], format="jsonl", executor="dask", scheduler=cluster.scheduler_address)
    want = _batch([arc], format="jsonl", executor="serial")
    strip = lambda t: [{k: v for k, v in json.loads(x).items() if k != "seconds"} for x in t.splitlines()]  # noqa: E731
    assert strip(got) == strip(want)


def test_cli_batch_exit_code_and_output_file(tmp_path):
    from typer.testing import CliRunner

    from diagnose.cli import _register, app
    _register()
    arc = _samples_archive(tmp_path)
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["batch", str(arc), "--format", "jsonl", "-o", str(out), "--jobs", "1"])
    assert res.exit_code == 1, res.output
    assert len(out.read_text().splitlines()) == len(SAMPLES)


def test_batch_redact_hides_identities_and_keeps_findings(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path
    samples = Path(__file__).resolve().parents[2] / "samples"
    args = [sys.executable, "-m", "diagnose", "batch", "--jobs", "1", "-f", "jsonl",
            str(samples / "lab-no-certreq"), str(samples / "lab-eap-auth-failed")]
    plain = subprocess.run(args, capture_output=True, text=True)
    red = subprocess.run(args + ["--redact"], capture_output=True, text=True)
    assert red.returncode == plain.returncode == 1
    assert "vpn.example.com" in plain.stdout and "vpn.example.com" not in red.stdout
    ids = lambda out: [[f["id"] for f in json.loads(l)["findings"]] for l in out.splitlines() if l.strip()]
    assert ids(red.stdout) == ids(plain.stdout)


def test_an_internal_error_in_any_case_makes_batch_exit_3(tmp_path, monkeypatch):
    """A bug hit by one case does not stop the batch, but the run must not look clean (exit 0/1)."""
    from typer.testing import CliRunner

    from diagnose.batch import unit
    from diagnose.cli import _register, app
    _register()
    for t in ("t1", "t2"):
        (tmp_path / t).mkdir()
        (tmp_path / t / "charon.log").write_bytes(LOG)
    real = unit.diagnose_sources

    def flaky(sources, *a, **kw):
        if "t2" in sources[0].name:
            raise TypeError("a bug")
        return real(sources, *a, **kw)
    monkeypatch.setattr(unit, "diagnose_sources", flaky)
    res = CliRunner().invoke(app, ["batch", str(tmp_path), "--format", "jsonl", "--executor", "serial"])
    assert res.exit_code == 3, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["error"] is None for r in rows] == [True, False]
    assert "internal error" in rows[1]["error"]


def test_mixed_mac_and_gateway_ticket_in_a_tarball_has_no_error(tmp_path):
    """A gateway log with a Console copy and an OS X system.log (once an internal error, and exit 0)."""
    from typer.testing import CliRunner

    from diagnose.cli import _register, app
    from samples_index import SAMPLES as ROOT
    _register()
    arc = tmp_path / "ticket.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        for f in ("lab-macos-reauth-failure/server-charon.log",
                  "public-012-ios-racoon-xauth-modecfg/client-racoon.part4-ipsec-filter.log",
                  "public-apple001-racoon-missing-psk/client-racoon-system.log"):
            tar.add(ROOT / f, arcname=f"ticket/{f.split('/')[1]}")
    res = CliRunner().invoke(app, ["batch", str(arc), "--format", "jsonl", "--executor", "serial"])
    assert res.exit_code in (0, 1), res.output
    [row] = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert row["error"] is None and len(row["inputs"]) == 3


def test_tarball_of_a_tickets_folder_is_cased_like_the_folder(tmp_path):
    """`tar czf t.tgz tickets/`: one case per ticket folder, as `batch tickets/` gives."""
    tickets = tmp_path / "tickets"
    for t in ("t1", "t2", "t3/gw"):
        (tickets / t).mkdir(parents=True)
        (tickets / t / "charon.log").write_bytes(LOG)
    arc = tmp_path / "t.tgz"
    with tarfile.open(arc, "w:gz") as tar:
        tar.add(tickets, arcname="tickets")
    from_tree = [c.name.removeprefix(str(tmp_path) + "/") for c in discover([str(tickets)])]
    from_archive = [c.name.removeprefix(f"{arc}!") for c in discover([str(arc)])]
    assert from_archive == from_tree == ["tickets/t1", "tickets/t2", "tickets/t3/gw"]
    one = tmp_path / "one.tgz"
    with tarfile.open(one, "w:gz") as tar:
        tar.add(tickets / "t1", arcname="t1")
    assert [c.name for c in discover([str(one)])] == [str(one)]


def test_collect_bundle_with_several_folders_stays_one_case(tmp_path):
    manifest = json.dumps({"schema": "ikedoctor.collect/1", "side": "server", "year": 2026}).encode()
    arc = tmp_path / "bundle.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        for name, data in (("b/manifest.json", manifest), ("b/logs/charon.log", LOG),
                           ("b/status/swanctl-list-sas.txt", b"no IKE_SAs\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    [case] = discover([str(arc)])
    assert case.name == str(arc) and len(case.inputs) == 2


def test_batch_takes_a_zone_name_as_diagnose_does(tmp_path):
    import subprocess
    import sys
    folder = next(s for s in SAMPLES if s.expect and s.name.startswith("lab-")).folder
    base = [sys.executable, "-m", "diagnose"]
    b = subprocess.run(base + ["batch", "--tz", "Europe/Zurich", "-f", "json", "-j", "1", str(folder)],
                       capture_output=True, text=True)
    d = subprocess.run(base + ["diagnose", "--tz", "Europe/Zurich", "-f", "json", str(folder)],
                       capture_output=True, text=True)
    assert b.returncode == d.returncode == 1, b.stderr
    times = lambda fs: [e.get("time") for f in fs for e in f["evidence"]]  # noqa: E731
    got, want = times(json.loads(b.stdout)["cases"][0]["findings"]), times(json.loads(d.stdout)["findings"])
    assert got == want and any(t and t.endswith(("+01:00", "+02:00")) for t in got)
    bad = subprocess.run(base + ["batch", "--tz", "Nowhere/Town", str(folder)], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown time zone" in bad.stderr and "internal" not in bad.stderr
