"""Soak: ``ikedoctor watch`` against the lab's real charon while clients connect and fail in a loop.

    sudo python -m benchmarks.soak_watch [--minutes 30] [--interval 30] [--workdir /tmp/ikd-soak]

Starts one lab gateway (charon in a network namespace, tests/lab/runner.py) whose connection
accepts EAP-MSCHAPv2 clients with ``send_cert = ifasked``, and one lab client charon with five
connections that fail against it in different catalog ways or succeed:

    ok        alice, right password, CERTREQ sent         -> established, then terminated
    badpw     bob, wrong EAP password                     -> eap-auth-failed
    nocertreq alice, send_certreq = no                    -> no-certreq
    esp       alice, ESP proposal the gateway lacks       -> esp-proposal-mismatch
    ike       IKE proposal the gateway lacks              -> ike-proposal-mismatch

It runs the real CLI (``python -m diagnose watch --format jsonl --exec /bin/true``) against the
gateway's socket, initiates the five connections one after the other for ``--minutes``, and every
``--interval`` seconds samples watch's resident memory (VmRSS of /proc/PID/status) and the number
of findings it printed.  It ends with a table, start/end/peak RSS, the least-squares slope of RSS
(over the whole run, its second half, and the part after the gateway had logged more lines than
watch's 20 000-line window holds) and the
findings per id beside those of the gateway's own log file, each session judged as watch judges
them (``diagnose.watch.diagnose_lines``), and ``diagnose``'s one finding per pattern.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GATEWAY = """
connections {
    rw-eap {
        version = 2
        local_addrs = 192.0.2.1
        pools = rw-pool-v4
        send_cert = ifasked
        proposals = aes256-sha256-modp2048, aes256-sha256-ecp256
        local {
            auth = pubkey
            certs = server.crt
            id = vpn.example.com
        }
        remote {
            auth = eap-mschapv2
            eap_id = %any
        }
        children {
            rw {
                local_ts = 0.0.0.0/0
                esp_proposals = aes256-sha256, aes256gcm16
            }
        }
    }
}
pools {
    rw-pool-v4 {
        addrs = 198.51.100.16/28
    }
}
secrets {
    eap-alice {
        id = alice
        secret = "lab-password-alice"
    }
    eap-bob {
        id = bob
        secret = "lab-password-bob"
    }
}
"""

_CONN = """
    {name} {{
        version = 2
        remote_addrs = 192.0.2.1
        vips = 0.0.0.0
        send_certreq = {certreq}
        proposals = {ike}
        local {{
            auth = eap-mschapv2
            id = {user}
            eap_id = {user}
        }}
        remote {{
            auth = pubkey
            id = vpn.example.com
        }}
        children {{
            {name} {{
                remote_ts = 0.0.0.0/0
                esp_proposals = {esp}
            }}
        }}
    }}"""

APPLE_IKE = "aes256gcm16-prfsha256-ecp256, aes256gcm16-prfsha256-modp2048, aes256-sha256-ecp256, aes256-sha256-modp2048"
APPLE_ESP = "aes256gcm16, aes256-sha256"
#: (connection, user, send_certreq, IKE proposals, ESP proposals, the finding the gateway log shows)
WAYS = [
    ("ok", "alice", "yes", APPLE_IKE, APPLE_ESP, None),
    ("badpw", "bob", "yes", APPLE_IKE, APPLE_ESP, "eap-auth-failed"),
    ("nocertreq", "alice", "no", APPLE_IKE, APPLE_ESP, "no-certreq"),
    ("esp", "alice", "yes", APPLE_IKE, "aes128-sha1", "esp-proposal-mismatch"),
    ("ike", "alice", "yes", "aes128-sha1-modp1024", APPLE_ESP, "ike-proposal-mismatch"),
]
CLIENT = ("connections {" + "".join(_CONN.format(name=n, user=u, certreq=c, ike=i, esp=e)
                                    for n, u, c, i, e, _ in WAYS) + """
}
secrets {
    eap-alice {
        id = alice
        secret = "lab-password-alice"
    }
    eap-bob {
        id = bob
        secret = "not-bobs-password"
    }
}
""")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def findings(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line being written
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--interval", type=float, default=30.0, help="seconds between RSS samples")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ikd-soak"))
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from tests.lab.runner import LabRun, install_signal_cleanup, missing_requirements
    from tests.lab.scenario import load_all
    from diagnose.watch import MAX_LINES

    reason = missing_requirements()
    if reason:
        print(f"soak_watch: lab unavailable: {reason}", file=sys.stderr)
        return 2
    install_signal_cleanup()
    base = load_all(["no-certreq"])[0]
    scenario = replace(base, id="soak-watch", gateway=replace(base.gateway, swanctl=GATEWAY),
                       client=replace(base.client, swanctl=CLIENT), steps=[], max_seconds=args.minutes * 60 + 60)
    shutil.rmtree(args.workdir, ignore_errors=True)
    out, err = args.workdir / "watch.jsonl", args.workdir / "watch.err"
    attempts: collections.Counter[str] = collections.Counter()
    samples: list[tuple[float, int, int, int, int]] = []  # (minutes, RSS KiB, findings, attempts, log lines)
    with LabRun(scenario, args.workdir / "lab") as run, open(out, "wb") as o, open(err, "wb") as e:
        watch = subprocess.Popen([sys.executable, "-m", "diagnose", "watch", "--socket", str(run.gw.vici),
                                  "--format", "jsonl", "--exec", "/bin/true"], cwd=ROOT, stdout=o, stderr=e)
        try:
            deadline = time.monotonic() + 15
            while b"connected to charon" not in err.read_bytes():
                if time.monotonic() > deadline or watch.poll() is not None:
                    raise RuntimeError(f"watch did not connect: {err.read_text()}")
                time.sleep(0.1)
            t0 = time.monotonic()
            end = t0 + args.minutes * 60
            next_sample = t0
            i = 0
            print(f"{'min':>6} {'RSS MiB':>8} {'findings':>8} {'attempts':>8} {'log lines':>9}", flush=True)
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    n = len(findings(out))
                    with open(run.gw.logfile, "rb") as lf:
                        lines = sum(1 for _ in lf)
                    samples.append(((now - t0) / 60, rss_kib(watch.pid), n, sum(attempts.values()), lines))
                    m, r, f, a, n_lines = samples[-1]
                    print(f"{m:6.1f} {r / 1024:8.1f} {f:8d} {a:8d} {n_lines:9d}", flush=True)
                    next_sample += args.interval
                if now >= end:
                    cpu = cpu_seconds(watch.pid)
                    break
                if watch.poll() is not None:
                    raise RuntimeError(f"watch exited {watch.returncode}: {err.read_text()[-500:]}")
                name = WAYS[i % len(WAYS)][0]
                i += 1
                if name == "nocertreq":  # else the client verifies with the certificate it cached from "ok"
                    run.swanctl(run.cl, "--flush-certs", check=False)
                run.swanctl(run.cl, "--initiate", "--child", name, "--timeout", "8", check=False, timeout=20)
                run.swanctl(run.cl, "--terminate", "--ike", name, "--timeout", "5", check=False, timeout=15)
                attempts[name] += 1
            time.sleep(3)  # the last failures: settle 2 s
        finally:
            watch.send_signal(signal.SIGINT)
            try:
                watch.wait(timeout=20)
            except subprocess.TimeoutExpired:
                watch.kill()
        from diagnose.api import diagnose_paths
        from diagnose.watch import diagnose_lines

        logged = collections.Counter(f.id for f in diagnose_paths([str(run.gw.logfile)]).findings)
        text = run.gw.logfile.read_text(errors="replace").splitlines()
        per_session = collections.Counter(f.id for f in diagnose_lines(text).findings)
        log_lines = len(text)
    got = findings(out)
    by_id = collections.Counter(d["id"] for d in got)
    rss = [r for _, r, _, _, _ in samples]
    half = [(m, r / 1024) for m, r, _, _, _ in samples if m >= args.minutes / 2]
    whole = [(m, r / 1024) for m, r, _, _, _ in samples]
    # once the gateway has logged more than the window holds (its file log has about the lines
    # watch receives), watch's window is full: from then on its memory must not grow
    full = [(m, r / 1024) for m, r, _, _, n in samples if n >= MAX_LINES]
    clients = collections.Counter(str(d.get("client", {}).get("id", "")) for d in got)
    print()
    print(f"duration {args.minutes:g} min, {sum(attempts.values())} attempts {dict(attempts)}, "
          f"gateway log {log_lines} lines")
    print(f"watch RSS: start {rss[0] / 1024:.1f} MiB, end {rss[-1] / 1024:.1f} MiB, peak {max(rss) / 1024:.1f} MiB; "
          f"slope {slope(whole) * 60:+.2f} MiB/h (whole run), {slope(half) * 60:+.2f} MiB/h (second half)")
    if len(full) >= 2:
        print(f"window full from minute {full[0][0]:.1f}: RSS {full[0][1]:.1f} -> {full[-1][1]:.1f} MiB, "
              f"peak {max(r for _, r in full):.1f} MiB, slope {slope(full) * 60:+.2f} MiB/h")
    print(f"watch CPU: {cpu:.1f} s in {args.minutes:g} min ({cpu / (args.minutes * 60) * 100:.1f}% of one core)")
    print(f"findings printed by watch: {len(got)} {dict(sorted(by_id.items()))}; clients {dict(clients)}")
    print(f"the gateway's log file, each session judged (as watch does): {sum(per_session.values())} "
          f"{dict(sorted(per_session.items()))}")
    print(f"diagnose of the gateway log file (one finding per pattern): {dict(sorted(logged.items()))}")
    print(f"watch stderr: {err.read_text().strip()[-400:]}")
    print(json.dumps({"minutes": args.minutes, "attempts": dict(attempts), "samples": samples,
                      "rss_start_kib": rss[0], "rss_end_kib": rss[-1], "rss_peak_kib": max(rss), "cpu_s": cpu,
                      "slope_mib_per_h": slope(whole) * 60, "slope_second_half_mib_per_h": slope(half) * 60,
                      "slope_window_full_mib_per_h": slope(full) * 60 if len(full) >= 2 else None,
                      "watch_findings": dict(by_id), "log_findings_per_session": dict(per_session),
                      "log_findings": dict(logged)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
