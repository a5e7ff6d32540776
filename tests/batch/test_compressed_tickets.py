"""A compressed tarball of several tickets is decompressed once: members are copied out during discovery.

Every archive here is built from the real lab logs under ``samples/``; the
hostile and damaged members carry real log bytes too, only their names or
their end are wrong.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path

import pytest

from diagnose.batch import cases as cases_mod
from diagnose.batch import driver, run_case
from diagnose.batch.cases import Discovery
from diagnose.batch.driver import BatchOptions, run_batch
from diagnose.batch.unit import case_sources

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LABS = sorted(p for p in SAMPLES.glob("lab-*") if (p / "server-charon.log").exists()
              and (p / "client-charon.log").exists())
LOGS = ("client-charon.log", "server-charon.log")


@pytest.fixture
def tmproot(tmp_path, monkeypatch) -> Path:
    """The run's private temp folder is made under here, so tests can see what is left behind."""
    root = tmp_path / "tmproot"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def left_at_cleanup(monkeypatch) -> list[dict[str, bytes]]:
    """Per cleaned-up Discovery: its temp folder's files (path below it -> bytes) just before removal."""
    seen: list[dict[str, bytes]] = []
    real_cleanup = Discovery.cleanup

    def spy(self: Discovery) -> None:
        if self._tmp is not None:
            root = Path(self._tmp)
            seen.append({str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()})
        real_cleanup(self)

    monkeypatch.setattr(Discovery, "cleanup", spy)
    return seen


def _tickets(tmp_path: Path, n: int) -> Path:
    """Ticket folders t0..t(n-1), each holding one lab's client and gateway logs."""
    folder = tmp_path / "tickets"
    for i, lab in enumerate(LABS[:n]):
        (folder / f"t{i}").mkdir(parents=True)
        for f in LOGS:
            (folder / f"t{i}" / f).write_bytes((lab / f).read_bytes())
    return folder


def _tar_gz(folder: Path, arc: Path, extra: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(arc, "w:gz") as tar:
        for t in sorted(folder.iterdir()):
            tar.add(t, arcname=t.name)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return arc


def _rows(paths: list[Path], **kw) -> list[dict]:
    out = io.StringIO()
    run_batch([str(p) for p in paths], out, BatchOptions(progress=False, format="jsonl", **kw))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    for r in rows:
        r.pop("seconds")
    return rows


def _copies(specs) -> list[str]:
    return [i.copy.path for s in specs for i in s.inputs if i.copy is not None]


def test_tar_gz_of_tickets_gives_what_the_unpacked_folders_give(tmp_path, tmproot):
    folder = _tickets(tmp_path, 3)
    arc = _tar_gz(folder, tmp_path / "tickets.tar.gz")
    packed, unpacked = _rows([arc], jobs=2), _rows([folder], jobs=2)
    assert [r["case"] for r in packed] == [f"{arc}!t{i}" for i in range(3)]
    assert [r["case"] for r in unpacked] == [str(folder / f"t{i}") for i in range(3)]
    assert any(r["findings"] for r in packed)
    for p, u in zip(packed, unpacked):
        # evidence lines, inputs, warnings and counts are the same once the path prefix is set aside
        same = json.dumps(p).replace(f"{arc}!", "<root>/")
        assert json.loads(same) == json.loads(json.dumps(u).replace(f"{folder}/", "<root>/"))
        assert [f["id"] for f in p["findings"]] == [f["id"] for f in u["findings"]]
        assert all(e["path"].startswith(f"{arc}!t") for f in p["findings"] for e in f["evidence"])


def test_workers_never_reopen_the_tarball_and_discovery_reads_it_a_fixed_number_of_times(tmp_path, tmproot,
                                                                                         monkeypatch):
    opened: list[object] = []
    real_open = tarfile.open

    def counting_open(*args, **kw):
        opened.append(args or kw.get("fileobj"))
        return real_open(*args, **kw)

    monkeypatch.setattr(tarfile, "open", counting_open)
    per_size = []
    for n in (2, 4):
        arc = _tar_gz(_tickets(tmp_path / str(n), n), tmp_path / f"{n}.tar.gz")
        with Discovery() as disc:
            opened.clear()
            specs = disc.cases([str(arc)])
            per_size.append(len(opened))  # the listing, and one sequential copying pass
            copies = _copies(specs)
            assert len(copies) == 2 * n == sum(len(s.inputs) for s in specs)
            assert all(Path(c).is_file() and Path(c).parent.parent == Path(disc.tmpdir) for c in copies)
            opened.clear()
            for spec in specs:
                warnings: list[str] = []
                names = [s.name for s in case_sources(spec, warnings)]
                assert names == [i.name for i in spec.inputs] and all(n.startswith(f"{arc}!") for n in names)
                assert run_case(spec).error is None
            assert opened == []  # no worker opened the tarball
    assert per_size[0] == per_size[1] <= 2  # discovery's cost does not grow with the number of cases


def test_one_member_and_plain_tar_are_not_copied_but_a_single_case_of_several_members_is(tmp_path, tmproot):
    folder = _tickets(tmp_path, 2)
    one = tmp_path / "one.tar.gz"  # one case, two members: each would decompress the tar from the start
    with tarfile.open(one, "w:gz") as tar:
        tar.add(folder / "t0", arcname="t0")
    lone = tmp_path / "lone.tar.gz"
    with tarfile.open(lone, "w:gz") as tar:
        tar.add(folder / "t0" / LOGS[0], arcname=LOGS[0])
    plain = tmp_path / "tickets.tar"
    with tarfile.open(plain, "w") as tar:
        for t in sorted(folder.iterdir()):
            tar.add(t, arcname=t.name)
    with Discovery() as disc:
        specs = disc.cases([str(one), str(lone), str(plain)])
        assert len(specs) == 4
        assert len(_copies(specs[:1])) == 2 and _copies(specs[1:]) == []


def test_the_temp_folder_is_removed_after_the_run(tmp_path, tmproot, left_at_cleanup):
    arc = _tar_gz(_tickets(tmp_path, 3), tmp_path / "tickets.tar.gz")
    rows = _rows([arc], jobs=2)
    assert len(rows) == 3 and all(r["error"] is None for r in rows)
    assert len(left_at_cleanup) == 1 and len(left_at_cleanup[0]) == 6  # the copies existed while cases ran
    assert list(tmproot.iterdir()) == []


def test_hostile_members_are_refused_and_nothing_is_written_outside_the_temp_folder(tmp_path, tmproot,
                                                                                    left_at_cleanup):
    folder = _tickets(tmp_path, 2)
    evil = (LABS[-1] / "server-charon.log").read_bytes()
    arc = tmp_path / "work" / "tickets.tar.gz"
    arc.parent.mkdir()
    _tar_gz(folder, arc, {"../evil.log": evil, f"/{tmp_path}/abs-evil.log": evil, "t0/../../up-evil.log": evil})
    with tarfile.open(arc) as tar:  # the hostile names are really in the archive
        assert {"../evil.log", "t0/../../up-evil.log"} <= set(tar.getnames())
    rows = _rows([arc], jobs=1)
    assert [r["case"] for r in rows] == [f"{arc}!t0", f"{arc}!t1"]
    warnings = "\n".join(w for r in rows for w in r["warnings"])
    for name in ("../evil.log", "abs-evil.log", "up-evil.log"):
        assert name in warnings and "skipped" in warnings
    # only the four genuine members were copied, to numbered files, and none holds the hostile bytes
    [copies] = left_at_cleanup
    assert len(copies) == 4 and all(Path(p).name.isdigit() and data != evil for p, data in copies.items())
    assert list(tmp_path.rglob("*evil*")) == [] and not Path("evil.log").exists()
    assert list(tmproot.iterdir()) == []


def test_over_the_copy_budget_or_damaged_it_falls_back_to_reading_the_archive(tmp_path, tmproot, monkeypatch):
    folder = _tickets(tmp_path, 3)
    arc = _tar_gz(folder, tmp_path / "tickets.tar.gz")
    with Discovery() as disc:
        assert len(_copies(disc.cases([str(arc)]))) == 6
    copied = _rows([arc], executor="serial")
    with monkeypatch.context() as m:
        m.setattr(cases_mod, "MAX_COPIED", 1000)
        with Discovery() as disc:
            assert _copies(disc.cases([str(arc)])) == []
        assert _rows([arc], executor="serial") == copied  # same results, read from the archive
    # cut short inside the last ticket: the listing keeps what it could read, the copying pass fails
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(arc.read_bytes()[: arc.stat().st_size * 9 // 10])
    with Discovery() as disc:
        specs = disc.cases([str(damaged)])
        assert len(specs) == 3 and _copies(specs) == []
        assert not [p for p in Path(disc.tmpdir).rglob("*")]  # the partial copies were removed
    rows = _rows([damaged], executor="serial")
    assert rows[0]["error"] is None and any("damaged" in w for w in rows[0]["warnings"])
    monkeypatch.setattr(driver, "Discovery", lambda copy_members=True: Discovery(copy_members=False))
    assert rows == _rows([damaged], executor="serial")  # as before member copies existed
