"""The normalised gateway configuration that both swanctl.conf and ipsec.conf map to.

The rules in ``diagnose.config.rules`` are written once against these classes,
whichever syntax the gateway uses.  Every setting is a ``Val``: the value plus
the ``Loc`` (file, line, text) it was read from, or ``loc=None`` when the
option was not written and the documented default applies (defaults from
``shared/reference/swanctl-options.tsv``).  A finding can then quote the line
to change, or say which section to add the option to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value was written: file, 1-based line and the line's text."""

    path: str
    line: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path  # line 0: a VICI answer


@dataclass(slots=True)
class Val(Generic[T]):
    """A setting's value and where it came from (``loc`` None = default)."""

    value: T
    loc: Loc | None = None

    @property
    def is_default(self) -> bool:
        return self.loc is None


@dataclass(slots=True)
class AuthRound:
    """One ``local<suffix>``/``remote<suffix>`` section (or left/right side)."""

    auth: Val[str]
    id: Val[str] | None = None
    certs: list[Val[str]] = field(default_factory=list)
    cacerts: list[Val[str]] = field(default_factory=list)
    eap_id: Val[str] | None = None
    round: int = 0
    loc: Loc | None = None

    @property
    def method(self) -> str:
        """The method family: pubkey, psk, eap, xauth (``eap-mschapv2`` -> eap)."""
        a = self.auth.value.lower()
        if a.startswith("eap"):
            return "eap"
        if a.startswith("xauth"):
            return "xauth"
        if a in ("psk", "secret"):
            return "psk"
        return "pubkey"

    @property
    def eap_method(self) -> str | None:
        """``eap-md5`` -> ``md5``; ``eap`` alone -> ``any``; None when not EAP."""
        a = self.auth.value.lower()
        if not a.startswith("eap"):
            return None
        return a[4:] or "any"


@dataclass(slots=True)
class Child:
    """A CHILD_SA config (``children.<name>`` / the conn's subnets)."""

    name: str
    loc: Loc | None
    esp_proposals: Val[list[str]]
    local_ts: Val[list[str]]
    remote_ts: Val[list[str]]
    rekey_time: Val[int]
    esp_strict: bool = True  # ipsec.conf: a list without "!" gets the defaults appended
    dpd_action: Val[str] | None = None
    start_action: Val[str] | None = None


@dataclass(slots=True)
class Pool:
    """A virtual IP pool and the configuration attributes sent with it."""

    name: str
    loc: Loc | None
    addrs: Val[list[str]]
    attributes: dict[str, Val[list[str]]] = field(default_factory=dict)

    @property
    def has_ipv6(self) -> bool:
        return any(":" in a for a in self.addrs.value)


@dataclass(slots=True)
class Connection:
    """An IKE connection as charon would load it (after ``also=``/``%default``)."""

    name: str
    loc: Loc | None
    source_format: str  # swanctl | ipsec.conf
    version: Val[int]
    local_addrs: Val[list[str]]
    remote_addrs: Val[list[str]]
    local: list[AuthRound]
    remote: list[AuthRound]
    proposals: Val[list[str]]
    proposals_strict: bool
    children: list[Child]
    pool_names: Val[list[str]]
    pools: list[Pool]
    send_cert: Val[str]
    send_certreq: Val[bool]
    rekey_time: Val[int]
    reauth_time: Val[int]
    dpd_delay: Val[int]
    mobike: Val[bool]
    fragmentation: Val[str]
    encap: Val[bool]
    unique: Val[str] | None = None

    def local_pubkey_rounds(self) -> list[AuthRound]:
        return [r for r in self.local if r.method == "pubkey"]

    def local_certs(self) -> list[Val[str]]:
        return [c for r in self.local for c in r.certs]


@dataclass(slots=True)
class ServerConfig:
    """Everything read from the ``--server`` files."""

    files: list[str] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    pools: dict[str, Pool] = field(default_factory=dict)
    #: strongswan.conf ``charon.plugins.attr.*`` (global attributes for every pool)
    global_attributes: dict[str, Val[list[str]]] = field(default_factory=dict)
    #: strongswan.conf ``charon.load`` (the explicit plugin list) and ``charon.load_modular``;
    #: None when no strongswan.conf given says it
    plugins: Val[list[str]] | None = None
    load_modular: Val[bool] | None = None
    warnings: list[str] = field(default_factory=list)


_TIME_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_TIME_MULT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str) -> int | None:
    """strongSwan time value (``4h``, ``30m``, ``10``) in seconds; None if unreadable."""
    m = _TIME_RE.match(text)
    if not m:
        return None
    return int(float(m.group(1)) * _TIME_MULT[m.group(2).lower()])


def parse_bool(text: str) -> bool | None:
    """strongSwan boolean spelling (yes/no/true/false/1/0/enabled/disabled)."""
    t = text.strip().lower()
    if t in ("yes", "true", "1", "enabled", "on"):
        return True
    if t in ("no", "false", "0", "disabled", "off"):
        return False
    return None


def split_list(text: str) -> list[str]:
    """Comma (and, for ipsec.conf, space) separated list, empties dropped."""
    return [p.strip() for p in re.split(r"[,\s]+", text) if p.strip()]
