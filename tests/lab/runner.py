"""Runs one scenario: two real charon daemons in network namespaces, driven through swanctl.

Layout of one run (``workdir``)::

    pki/                     the run's PKI (made by tests.lab.pki)
    gw/ , cl/                one directory per daemon:
        strongswan.conf      the instance's own config (STRONGSWAN_CONF)
        swanctl/             SWANCTL_DIR: swanctl.conf, x509/, x509ca/, private/
        charon.vici          the instance's vici socket
        charon.log           its log (file log, rsyslog file or captured stderr)
        start.sh             runs inside ``unshare -m -u``: private tmpfs /run (charon 5.9.8 writes
                             /var/run/charon.pid), hostname, optionally a private /dev with rsyslogd
                             listening on /dev/log, then execs charon

Every namespace and process the run creates is removed in ``close()``, which the context manager,
an ``atexit`` hook and SIGTERM/SIGINT handling all reach.
"""
from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .pki import LabPKI, make_pki
from .scenario import Scenario, Side, Step

CHARON = Path("/usr/lib/ipsec/charon")
REQUIRED_TOOLS = ("ip", "swanctl", "pki", "unshare", "nft")
#: A Debian root (e.g. Debian 13's strongSwan 6.0.x, made with mmdebstrap) whose charon the lab
#: runs instead of the host's: chrooted inside the same namespaces, with the run's directory
#: bind-mounted at the same path. Unset: the host's charon (Debian 12's 5.9.8).
ROOT_ENV = "IKD_LAB_CHARON_ROOT"


def charon_root() -> Path | None:
    value = os.environ.get(ROOT_ENV, "").strip()
    return Path(value) if value else None


def available_plugins(root: Path | None) -> set[str] | None:
    """Plugin names shipped in a charon root (None for the host: PLUGINS is made for it)."""
    if root is None:
        return None
    d = root / "usr" / "lib" / "ipsec" / "plugins"
    return {f.name[len("libstrongswan-"):-3] for f in d.glob("libstrongswan-*.so")}

# Explicit plugin list (charon.load with load_modular = no): kernel-libipsec (userspace ESP over
# /dev/net/tun, because the sandbox kernels may lack XFRM ESP) before kernel-netlink, and no
# `resolve` plugin so that nothing touches the host's resolv.conf.
PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey aes sha1 sha2 "
           "md5 hmac gcm kdf attr kernel-libipsec kernel-netlink socket-default vici "
           "eap-identity eap-mschapv2 eap-gtc xauth-generic unity")

GW_V4, CL_V4 = "192.0.2.1", "192.0.2.2"
GW_V6, CL_V6 = "2001:db8::1", "2001:db8::2"
GW_LAN = "203.0.113.1"

_LIVE: set["LabRun"] = set()


def missing_requirements() -> str | None:
    """One sentence saying why the lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, veth, tmpfs mounts)"
    if not os.path.exists("/dev/net/tun"):
        return "the lab needs /dev/net/tun (charon's kernel-libipsec plugin)"
    root = charon_root()
    charon = (root / str(CHARON).lstrip("/")) if root else CHARON
    if not charon.exists():
        if root:
            return f"{charon} not found: {ROOT_ENV} must name a Debian root with strongswan-charon"
        return f"{CHARON} not found: run .ci/install-lab-deps.sh (Debian strongSwan packages)"
    for tool in REQUIRED_TOOLS:
        if shutil.which(tool) is None:
            return f"'{tool}' not found: run .ci/install-lab-deps.sh"
    return None


def charon_package_version() -> str:
    root = charon_root()
    admin = ["--admindir", str(root / "var" / "lib" / "dpkg")] if root else []
    proc = subprocess.run(["dpkg-query", *admin, "-W", "-f=${Version}", "strongswan-charon"],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "unknown"


def format_to_regex(fmt: str) -> re.Pattern[str]:
    """Turn a charon printf format string (as in charon-messages.tsv) into a regex for its output.

    Plain text without any % conversion is matched literally.
    """
    out = []
    i = 0
    conv = re.compile(r"%[-+#0 ]*\d*(?:\.\d+)?(?:hh|h|ll|l|z)?([a-zA-Z%])")
    while i < len(fmt):
        m = conv.match(fmt, i)
        if fmt[i] == "%" and m:
            kind = m.group(1)
            if kind == "%":
                out.append("%")
            elif kind in "dui":
                out.append(r"-?\d+")
            elif kind == "V":
                out.append(r"\d+ \w+")
            else:
                out.append(r".*?")
            i = m.end()
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return re.compile("".join(out))


# --------------------------------------------------------------------------------------------
# configuration rendering

def _conf_tree(flat: dict[str, object]) -> dict:
    tree: dict = {}
    for key, value in flat.items():
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _render_tree(tree: dict, indent: int = 1) -> str:
    pad = "    " * indent
    lines = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key} {{")
            lines.append(_render_tree(value, indent + 1))
            lines.append(f"{pad}}}")
        else:
            if isinstance(value, bool):
                value = "yes" if value else "no"
            lines.append(f"{pad}{key} = {value}")
    return "\n".join(lines)


def logging_settings(side: Side, logfile: Path) -> dict[str, object]:
    """charon.* settings for one of the log styles in scenario.LOG_STYLES."""
    levels = {"default": 1, **side.levels}
    if side.log == "syslog-rsyslog":
        return {f"syslog.daemon.{k}": v for k, v in {**levels, "ike_name": True}.items()}
    if side.log == "stderr":
        base = "filelog.stderr"
        opts: dict[str, object] = {"ike_name": True, "flush_line": True}
    else:
        base = "filelog.lab"
        opts = {"path": str(logfile), "append": True, "flush_line": True}
        if side.log in ("filelog-time-ikename", "filelog-time"):
            opts["time_format"] = '"%b %e %T"'
        if side.log == "filelog-iso-ms":
            opts["time_format"] = '"%F %T"'
            opts["time_add_ms"] = True
        if side.log in ("filelog-time-ikename", "filelog-iso-ms"):
            opts["ike_name"] = True
    return {f"{base}.{k}": v for k, v in {**opts, **levels}.items()}


def _plugin_list(names: str, available: set[str] | None) -> str:
    """The plugin list, without the plugins a charon root does not ship (6.x builds fold aes,
    sha1, sha2, hmac, ... into openssl)."""
    if available is None:
        return names
    return " ".join(n for n in names.split() if n.lstrip("!") in available)


def strongswan_conf(side: Side, vici: Path, logfile: Path, available: set[str] | None = None) -> str:
    settings: dict[str, object] = {
        "load_modular": False,
        "load": _plugin_list(PLUGINS, available),
        "plugins.vici.socket": f"unix://{vici}",
        "plugins.kernel-netlink.fwmark": "!0x42",
        "plugins.kernel-libipsec.allow_peer_ts": False,
        "install_routes": True,
    }
    settings.update(logging_settings(side, logfile))
    settings.update(side.charon)
    if "load" in side.charon:
        settings["load"] = _plugin_list(str(side.charon["load"]), available)
    return "charon {\n" + _render_tree(_conf_tree(settings)) + "\n}\n"


def install_credentials(sd: Path, side: Side, pki: LabPKI, gateway: bool) -> None:
    """Lay out a daemon's swanctl credential folders (x509/, x509ca/, private/) from the lab PKI.

    The gateway holds the server certificates its swanctl.conf names and trusts the lab CA (and
    the untrusted CA only with ``server-other-ca``); the client holds only its own certificate and
    trusts only the lab CA (never a server certificate: that would let it verify the server
    without a CERT payload and hide the no-CERTREQ failure). ``omit_keys`` leaves keys out.
    """
    for sub in ("x509", "x509ca", "private"):
        (sd / sub).mkdir(parents=True, exist_ok=True)
    for name, cert in pki.files().items():
        is_ca = name in ("ca", "other-ca")
        if gateway:
            # only what its swanctl.conf names (plus the lab CA), so that the log shows no
            # CERTREQ for a CA the gateway does not use
            wanted = (name == "ca" or f"{name}.crt" in side.swanctl
                      or (name == "other-ca" and "server-other-ca.crt" in side.swanctl))
        else:
            # its own certificate (``client`` unless the scenario names another one)
            wanted = name == "ca" or (name.startswith("client") and (
                f"{name}.crt" in side.swanctl
                or (name == "client" and "client-other-ca.crt" not in side.swanctl)))
        if not wanted:
            continue
        if is_ca:
            shutil.copy(cert.cert, sd / "x509ca" / f"{name}.crt")
        else:
            shutil.copy(cert.cert, sd / "x509" / f"{name}.crt")
            if name not in side.omit_keys:
                shutil.copy(cert.key, sd / "private" / f"{name}.key")


RSYSLOG_CONF = """\
# private rsyslogd of the ikedoctor lab: /dev/log in the gateway's own mount namespace
global(workDirectory="/run")
module(load="imuxsock" SysSock.RateLimit.Interval="0")
*.* action(type="omfile" file="{logfile}" template="RSYSLOG_TraditionalFileFormat")
"""

START_SH = """\
#!/bin/sh
# runs in a private mount + UTS namespace inside the network namespace {netns}
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 ikdrun /run
hostname {hostname}
{syslog}
export STRONGSWAN_CONF={conf}
{chroot}exec {charon}
"""

# Runs a charon from another Debian root: the run's directory at the same path inside it, a
# private /run, the (possibly private) /dev and /proc; all in charon's own mount namespace.
CHROOT_SH = """\
mkdir -p {root}{workdir}
mount --bind {workdir} {root}{workdir}
mount -t tmpfs -o mode=0755 ikdrun6 {root}/run
mount --rbind /dev {root}/dev
mount -t proc proc {root}/proc
"""

PRIVATE_DEV_WITH_RSYSLOG = """\
mount -t tmpfs -o mode=0755 ikddev /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
mkdir /dev/net
mknod -m 600 /dev/net/tun c 10 200
# -n: stay in charon's process group (the runner ends the whole group); pid file for the record
rsyslogd -n -f {rsyslog_conf} -i {pidfile} &
i=0
while [ ! -S /dev/log ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
"""


def _accepts(path: Path) -> bool:
    """True when something listens on the unix socket ``path``."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def _tail(text: str, lines: int = 6) -> str:
    """The last lines of swanctl's output, without its plugin-loading noise."""
    kept = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("plugin '")]
    return " | ".join(kept[-lines:])


# --------------------------------------------------------------------------------------------
# the run

class LabError(RuntimeError):
    """The lab itself failed (not the scenario's expected failure)."""


@dataclass
class Daemon:
    name: str           # "gw" / "cl"
    netns: str
    directory: Path
    side: Side
    hostname: str
    proc: subprocess.Popen | None = None
    starts: int = 0
    frozen: bool = False

    @property
    def vici(self) -> Path:
        return self.directory / "charon.vici"

    @property
    def logfile(self) -> Path:
        return self.directory / "charon.log"

    @property
    def swanctl_dir(self) -> Path:
        return self.directory / "swanctl"


@dataclass
class RunResult:
    scenario: Scenario
    workdir: Path
    server_log: Path
    client_log: Path
    gateway_conf: Path
    client_conf: Path
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0


class LabRun:
    """One scenario run; use as a context manager so that everything is torn down."""

    def __init__(self, scenario: Scenario, workdir: Path, pki: LabPKI | None = None):
        self.scenario = scenario
        self.workdir = workdir
        self.suffix = secrets.token_hex(3)
        self.gw = Daemon("gw", f"ikd-gw-{self.suffix}", workdir / "gw", scenario.gateway, "vpn-gw")
        self.cl = Daemon("cl", f"ikd-cl-{self.suffix}", workdir / "cl", scenario.client, "lab-mac")
        self.veth = (f"ikdg{self.suffix}", f"ikdc{self.suffix}")
        self.namespaces: list[str] = []
        self.pki = pki
        self.transcript: list[str] = []
        self._closed = False

    # -- helpers -----------------------------------------------------------------------------
    def _note(self, text: str) -> None:
        self.transcript.append(f"{time.strftime('%H:%M:%S')} {text}")

    @staticmethod
    def _run(cmd: list[str], check: bool = True, timeout: float = 30, env: dict | None = None
             ) -> subprocess.CompletedProcess:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"{' '.join(cmd)} did not finish within {timeout}s") from exc
        if check and proc.returncode != 0:
            raise LabError(f"{' '.join(cmd)} failed ({proc.returncode}): {_tail(proc.stdout + proc.stderr)}")
        return proc

    def _daemon(self, side: str) -> Daemon:
        return self.gw if side == "server" else self.cl

    # -- setup ---------------------------------------------------------------------------------
    def __enter__(self) -> "LabRun":
        _LIVE.add(self)
        try:
            self.setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def setup(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.pki is None:
            self.pki = make_pki(self.workdir / "pki")
        self._network()
        for daemon in (self.gw, self.cl):
            self._configure(daemon)
        for daemon in (self.gw, self.cl):
            self._start(daemon)

    def _network(self) -> None:
        g, c = self.gw.netns, self.cl.netns
        vg, vc = self.veth
        for ns in (g, c):
            self._run(["ip", "netns", "add", ns])
            self.namespaces.append(ns)
            self._run(["ip", "-n", ns, "link", "set", "lo", "up"])
        self._run(["ip", "link", "add", vg, "netns", g, "type", "veth", "peer", "name", vc, "netns", c])
        for ns, dev, v4, v6 in ((g, vg, GW_V4, GW_V6), (c, vc, CL_V4, CL_V6)):
            # no IPv6 link-local address: its late appearance would make charon send MOBIKE address
            # updates in the middle of a scenario
            self._run(["ip", "-n", ns, "link", "set", "dev", dev, "addrgenmode", "none"])
            self._run(["ip", "-n", ns, "addr", "add", f"{v4}/24", "dev", dev])
            self._run(["ip", "-n", ns, "addr", "add", f"{v6}/64", "dev", dev, "nodad"])
            for extra in (self.gw if ns == g else self.cl).side.extra_addrs:
                self._run(["ip", "-n", ns, "addr", "add", extra, "dev", dev, "nodad"])
            self._run(["ip", "-n", ns, "link", "set", dev, "up"])
        # the gateway's "internal network" that split-tunnel scenarios protect (local_ts)
        self._run(["ip", "-n", g, "addr", "add", f"{GW_LAN}/24", "dev", "lo"])
        self._note(f"namespaces {g} ({GW_V4}, {GW_V6}, LAN {GW_LAN}) <-> {c} ({CL_V4}, {CL_V6})")

    def _configure(self, d: Daemon) -> None:
        sd = d.swanctl_dir
        assert self.pki is not None
        install_credentials(sd, d.side, self.pki, gateway=d.name == "gw")
        (sd / "swanctl.conf").write_text(d.side.swanctl)
        (d.directory / "strongswan.conf").write_text(
            strongswan_conf(d.side, d.vici, d.logfile, available_plugins(charon_root())))
        syslog = ""
        if d.side.log == "syslog-rsyslog":
            rconf = d.directory / "rsyslog.conf"
            rconf.write_text(RSYSLOG_CONF.format(logfile=d.logfile))
            syslog = PRIVATE_DEV_WITH_RSYSLOG.format(rsyslog_conf=rconf,
                                                     pidfile=d.directory / "rsyslogd.pid")
        start = d.directory / "start.sh"
        root = charon_root()
        chroot = CHROOT_SH.format(root=root, workdir=self.workdir.resolve()) if root else ""
        charon = f"chroot {root} {CHARON}" if root else str(CHARON)
        start.write_text(START_SH.format(netns=d.netns, hostname=d.hostname, syslog=syslog,
                                         conf=d.directory / "strongswan.conf", charon=charon,
                                         chroot=chroot))
        start.chmod(0o755)

    def _start(self, d: Daemon) -> None:
        if d.vici.exists():
            d.vici.unlink()
        stderr_target = d.logfile if d.side.log == "stderr" else d.directory / "charon.stderr"
        with open(stderr_target, "ab") as err, open(d.directory / "charon.stdout", "ab") as out:
            d.proc = subprocess.Popen(
                ["ip", "netns", "exec", d.netns, "unshare", "--mount", "--uts", "--propagation",
                 "private", "/bin/sh", str(d.directory / "start.sh")],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        d.starts += 1
        d.frozen = False
        deadline = time.monotonic() + 15
        # the socket file appears at bind(), a moment before charon listens: wait for a connection
        while not _accepts(d.vici):
            if d.proc.poll() is not None:
                raise LabError(f"charon in {d.netns} exited with {d.proc.returncode}; see {d.directory}")
            if time.monotonic() > deadline:
                raise LabError(f"charon in {d.netns} did not open {d.vici}")
            time.sleep(0.05)
        self.swanctl(d, "--load-all", "--noprompt", "--file", str(d.swanctl_dir / "swanctl.conf"))
        self._note(f"started charon {d.name} (pid {d.proc.pid}) in {d.netns}, loaded swanctl.conf")

    def swanctl(self, d: Daemon, *args: str, check: bool = True, timeout: float = 30
                ) -> subprocess.CompletedProcess:
        env = {**os.environ, "SWANCTL_DIR": str(d.swanctl_dir)}
        return self._run(["swanctl", *args, "--uri", f"unix://{d.vici}"], check=check,
                         timeout=timeout, env=env)

    # -- steps ---------------------------------------------------------------------------------
    def log_text(self, side: str) -> str:
        path = self._daemon(side).logfile
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_log(self, side: str, text: str, timeout: float) -> bool:
        pattern = format_to_regex(text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pattern.search(self.log_text(side)):
                return True
            time.sleep(0.2)
        return False

    def step(self, st: Step) -> None:
        d = self._daemon(st.side)
        a = st.action
        if a == "initiate":
            proc = self.swanctl(d, "--initiate", "--child", st.child, "--timeout", str(int(st.timeout)),
                                check=False, timeout=st.timeout + 10)
            ok = proc.returncode == 0
            self._note(f"initiate {st.child} on {d.name}: {'ok' if ok else 'failed'}")
            if ok != st.expect_ok:
                raise LabError(f"swanctl --initiate {st.child} {'succeeded' if ok else 'failed'} "
                               f"(expected {'success' if st.expect_ok else 'failure'}): "
                               f"{_tail(proc.stdout + proc.stderr)}")
        elif a == "wait_log":
            found = self.wait_log(st.side, st.text, st.timeout)
            self._note(f"wait for '{st.text}' on {d.name}: {'seen' if found else 'timeout'}")
            if not found and st.expect_ok:
                raise LabError(f"'{st.text}' did not appear in the {st.side} log within {st.timeout}s")
        elif a == "sleep":
            time.sleep(st.seconds)
            self._note(f"slept {st.seconds}s")
        elif a == "freeze":
            assert d.proc is not None
            os.kill(d.proc.pid, signal.SIGSTOP)
            d.frozen = True
            self._note(f"SIGSTOP charon {d.name}")
        elif a == "thaw":
            assert d.proc is not None
            os.kill(d.proc.pid, signal.SIGCONT)
            d.frozen = False
            self._note(f"SIGCONT charon {d.name}")
        elif a == "kill":
            self._kill(d, signal.SIGKILL)
            self._note(f"SIGKILL charon {d.name}")
        elif a == "restart":
            self._start(d)
        elif a == "load_conf":
            conf = d.directory / "swanctl-after.conf"
            conf.write_text(d.side.conf_after)
            self.swanctl(d, "--load-all", "--clear", "--noprompt", "--file", str(conf))
            self._note(f"reloaded {d.name} with conf_after (credentials cleared)")
        elif a == "firewall_drop":
            rules = d.directory / "drop-ike.nft"
            ports = ", ".join(str(p) for p in st.ports)
            rules.write_text("table inet ikdlab {\n    chain input {\n"
                             "        type filter hook input priority 0; policy accept;\n"
                             f"        udp dport {{ {ports} }} drop\n    }}\n}}\n")
            self._run(["ip", "netns", "exec", d.netns, "nft", "-f", str(rules)])
            self._note(f"nftables in {d.netns}: drop udp {'/'.join(str(p) for p in st.ports)}")
        else:  # pragma: no cover - scenario.py validates actions
            raise LabError(f"unknown step {a}")

    def run_steps(self) -> None:
        deadline = time.monotonic() + self.scenario.max_seconds
        for st in self.scenario.steps:
            if time.monotonic() > deadline:
                raise LabError(f"scenario {self.scenario.id} exceeded max_seconds")
            self.step(st)

    # -- teardown ------------------------------------------------------------------------------
    @staticmethod
    def _signal_group(d: Daemon, sig: int) -> None:
        """Signal charon's process group (charon and, for syslog, its rsyslogd), even when charon
        itself has already exited."""
        if d.proc is None:
            return
        try:
            os.killpg(d.proc.pid, sig)
        except ProcessLookupError:
            pass

    def _kill(self, d: Daemon, sig: int) -> None:
        if d.proc is None:
            return
        self._signal_group(d, sig)
        try:
            d.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._signal_group(d, signal.SIGKILL)
            d.proc.wait(timeout=5)

    def stop_daemons(self) -> None:
        """Stop both daemons: SIGTERM to charon (it logs its shutdown), SIGKILL for a frozen one;
        then the rest of each process group (rsyslogd) is killed."""
        for d in (self.cl, self.gw):
            if d.proc is None:
                continue
            if d.proc.poll() is None and not d.frozen:
                d.proc.send_signal(signal.SIGTERM)
                try:
                    d.proc.wait(timeout=8)
                except subprocess.TimeoutExpired:
                    pass
            time.sleep(0.2 if d.side.log == "syslog-rsyslog" else 0)  # let rsyslogd write the last lines
            self._kill(d, signal.SIGKILL)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.stop_daemons()
        finally:
            for d in (self.gw, self.cl):
                self._signal_group(d, signal.SIGKILL)
            for ns in self.namespaces:
                self._run(["ip", "netns", "del", ns], check=False)
            self.namespaces.clear()
            _LIVE.discard(self)

    def result(self, seconds: float) -> RunResult:
        return RunResult(self.scenario, self.workdir, self.gw.logfile, self.cl.logfile,
                         self.gw.swanctl_dir / "swanctl.conf", self.cl.swanctl_dir / "swanctl.conf",
                         list(self.transcript), seconds)


def _cleanup_all() -> None:
    for run in list(_LIVE):
        run.close()


atexit.register(_cleanup_all)


def _on_signal(signum, frame):  # noqa: ARG001
    _cleanup_all()
    raise SystemExit(128 + signum)


def install_signal_cleanup() -> None:
    """Make SIGTERM/SIGINT remove namespaces and daemons too (the CLI calls this)."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def run_scenario(scenario: Scenario, workdir: Path, pki: LabPKI | None = None) -> RunResult:
    """Run ``scenario`` in ``workdir`` and return where its logs are; always tears down."""
    start = time.monotonic()
    run = LabRun(scenario, workdir, pki)
    with run:
        run.run_steps()
        # give the daemons a moment to flush what the last step triggered
        time.sleep(0.5)
    return run.result(time.monotonic() - start)
