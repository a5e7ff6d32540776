"""Which proposal strongSwan would select against what an Apple client sends.

Implements the parts of ``src/libstrongswan/crypto/proposal/proposal.c`` that
decide a match, so ``check`` can say "iOS 16 will get NO_PROPOSAL_CHOSEN"
before anyone connects:

* keyword parsing (``aes256-sha256-modp2048``) with the IKE PRF derived from
  the integrity algorithm when none is given, NONE removed from IKE, integrity
  dropped for AEAD, and ``noesn`` assumed for ESP (``check_proposal``);
* the ``default`` keyword per strongSwan version (MODP_1024 left the IKE
  default in 5.6.1; an AES-GCM ESP default arrived in 5.9.0; since 6.0.2 the
  ESP default carries every KE method as optional).  The algorithm sets assume
  a build with the openssl plugin, which provides all of them;
* selection as a responder with ``prefer_configured_proposals = yes`` (the
  default): configured proposals in order, each against every received one;
  a key exchange in an ESP proposal is optional only if one side lists NONE;
  in IKE_AUTH the ESP key exchange is skipped (the first CHILD_SA takes its
  keys from the IKE_SA), so a PFS mismatch shows only at rekeying.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ENCR, INTEG, PRF, KE, ESN = "ENCR", "INTEG", "PRF", "KE", "ESN"
ADDKE = tuple(f"KE{i}" for i in range(1, 8))
AEAD_PREFIXES = ("AES_GCM_", "AES_CCM_", "CHACHA20_POLY1305", "CAMELLIA_CCM_")
NONE = "NONE"

INTEG_PRF = {
    "HMAC_SHA1_96": "PRF_HMAC_SHA1", "HMAC_SHA1_160": "PRF_HMAC_SHA1",
    "HMAC_SHA2_256_128": "PRF_HMAC_SHA2_256", "HMAC_SHA2_384_192": "PRF_HMAC_SHA2_384",
    "HMAC_SHA2_512_256": "PRF_HMAC_SHA2_512", "HMAC_MD5_96": "PRF_HMAC_MD5", "HMAC_MD5_128": "PRF_HMAC_MD5",
    "AES_XCBC_96": "PRF_AES128_XCBC", "CAMELLIA_XCBC_96": "PRF_CAMELLIA128_XCBC", "AES_CMAC_96": "PRF_AES128_CMAC",
}


def patterns_dir() -> Path:
    """``patterns/`` of the source tree (``IKEDOCTOR_PATTERNS`` overrides)."""
    env = os.environ.get("IKEDOCTOR_PATTERNS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "patterns"


def _keywords() -> dict[str, tuple[str, str]]:
    """strongSwan proposal keywords (proposal_keywords_static.txt) -> (type, charon name)."""
    kw: dict[str, tuple[str, str]] = {
        "null": (ENCR, "NULL"), "des": (ENCR, "DES_CBC"), "3des": (ENCR, "3DES_CBC"),
        "aes": (ENCR, "AES_CBC_128"), "camellia": (ENCR, "CAMELLIA_CBC_128"),
        "chacha20poly1305": (ENCR, "CHACHA20_POLY1305"), "chacha20poly1305compat": (ENCR, "CHACHA20_POLY1305"),
        "sha": (INTEG, "HMAC_SHA1_96"), "sha1": (INTEG, "HMAC_SHA1_96"), "sha1_160": (INTEG, "HMAC_SHA1_160"),
        "sha256": (INTEG, "HMAC_SHA2_256_128"), "sha2_256": (INTEG, "HMAC_SHA2_256_128"),
        "sha256_96": (INTEG, "HMAC_SHA2_256_96"), "sha2_256_96": (INTEG, "HMAC_SHA2_256_96"),
        "sha384": (INTEG, "HMAC_SHA2_384_192"), "sha2_384": (INTEG, "HMAC_SHA2_384_192"),
        "sha512": (INTEG, "HMAC_SHA2_512_256"), "sha2_512": (INTEG, "HMAC_SHA2_512_256"),
        "md5": (INTEG, "HMAC_MD5_96"), "md5_128": (INTEG, "HMAC_MD5_128"), "aesxcbc": (INTEG, "AES_XCBC_96"),
        "aescmac": (INTEG, "AES_CMAC_96"), "camelliaxcbc": (INTEG, "CAMELLIA_XCBC_96"),
        "prfsha1": (PRF, "PRF_HMAC_SHA1"), "prfsha256": (PRF, "PRF_HMAC_SHA2_256"),
        "prfsha384": (PRF, "PRF_HMAC_SHA2_384"), "prfsha512": (PRF, "PRF_HMAC_SHA2_512"),
        "prfmd5": (PRF, "PRF_HMAC_MD5"), "prfaesxcbc": (PRF, "PRF_AES128_XCBC"),
        "prfaescmac": (PRF, "PRF_AES128_CMAC"), "prfcamelliaxcbc": (PRF, "PRF_CAMELLIA128_XCBC"),
        "none": (KE, NONE), "modpnone": (KE, NONE), "modpnull": (KE, "MODP_NULL"),
        "curve25519": (KE, "CURVE_25519"), "x25519": (KE, "CURVE_25519"),
        "curve448": (KE, "CURVE_448"), "x448": (KE, "CURVE_448"),
        "modp1024s160": (KE, "MODP_1024_160"), "modp2048s224": (KE, "MODP_2048_224"),
        "modp2048s256": (KE, "MODP_2048_256"),
        "mlkem512": (KE, "ML_KEM_512"), "mlkem768": (KE, "ML_KEM_768"), "mlkem1024": (KE, "ML_KEM_1024"),
        "esn": (ESN, "EXT_SEQ"), "noesn": (ESN, "NO_EXT_SEQ"),
    }
    for n in (768, 1024, 1536, 2048, 3072, 4096, 6144, 8192):
        kw[f"modp{n}"] = (KE, f"MODP_{n}")
    for n in (192, 224, 256, 384, 521):
        kw[f"ecp{n}"] = (KE, f"ECP_{n}")
    for n in (224, 256, 384, 512):
        kw[f"ecp{n}bp"] = (KE, f"ECP_{n}_BP")
    icv = {"8": "8", "64": "8", "12": "12", "96": "12", "16": "16", "128": "16", "": "16"}
    for size in (128, 192, 256):
        kw[f"aes{size}"] = (ENCR, f"AES_CBC_{size}")
        kw[f"aes{size}ctr"] = (ENCR, f"AES_CTR_{size}")
        kw[f"camellia{size}"] = (ENCR, f"CAMELLIA_CBC_{size}")
        kw[f"camellia{size}ctr"] = (ENCR, f"CAMELLIA_CTR_{size}")
        for tag, bits in icv.items():
            kw[f"aes{size}gcm{tag}"] = (ENCR, f"AES_GCM_{bits}_{size}")
            kw[f"aes{size}ccm{tag}"] = (ENCR, f"AES_CCM_{bits}_{size}")
            if tag:
                kw[f"camellia{size}ccm{tag}"] = (ENCR, f"CAMELLIA_CCM_{bits}_{size}")
    return kw


KEYWORDS = _keywords()


@dataclass(slots=True)
class Proposal:
    """One proposal: transform type -> algorithm names, in preference order."""

    proto: str  # IKE | ESP
    transforms: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""

    def add(self, ttype: str, alg: str) -> None:
        lst = self.transforms.setdefault(ttype, [])
        if alg not in lst:
            lst.append(alg)

    def algs(self, ttype: str) -> list[str]:
        return self.transforms.get(ttype, [])

    @property
    def is_aead(self) -> bool:
        return bool(self.algs(ENCR)) and all(a.startswith(AEAD_PREFIXES) for a in self.algs(ENCR))

    def __str__(self) -> str:
        order = [ENCR, INTEG, PRF, KE, *ADDKE, ESN]
        parts = [a for t in order for a in self.algs(t)]
        return f"{self.proto}:" + "/".join(parts)


class ProposalError(ValueError):
    """A proposal string strongSwan would also reject."""


def _finish(p: Proposal) -> Proposal:
    """strongSwan's ``check_proposal`` normalisation."""
    if p.proto == "IKE":
        if not p.algs(PRF):
            for a in p.algs(INTEG):
                if a in INTEG_PRF:
                    p.add(PRF, INTEG_PRF[a])
        if KE in p.transforms:
            p.transforms[KE] = [a for a in p.algs(KE) if a != NONE]
        if not p.algs(KE):
            raise ProposalError(f"'{p.text}': a DH group is mandatory in IKE proposals")
        if not p.algs(PRF):
            raise ProposalError(f"'{p.text}': a PRF algorithm is mandatory in IKE proposals")
    else:
        p.transforms.pop(PRF, None)
        if not p.algs(ESN):
            p.add(ESN, "NO_EXT_SEQ")
    if not p.algs(ENCR):
        raise ProposalError(f"'{p.text}': an encryption algorithm is mandatory")
    if p.is_aead:
        p.transforms.pop(INTEG, None)
    elif any(a.startswith(AEAD_PREFIXES) for a in p.algs(ENCR)):
        raise ProposalError(f"'{p.text}': classic and AEAD algorithms can't be in the same proposal")
    elif p.proto == "IKE" and not p.algs(INTEG):
        raise ProposalError(f"'{p.text}': an integrity algorithm is mandatory with non-AEAD encryption")
    return p


def parse_keywords(proto: str, text: str) -> Proposal:
    """``aes256-sha256-modp2048`` -> Proposal (raises ProposalError on unknown keywords)."""
    p = Proposal(proto, text=text)
    for tok in text.strip().lower().split("-"):
        if not tok:
            continue
        m = re.match(r"^ke([1-7])_(.+)$", tok)
        if m:
            if m.group(2) not in KEYWORDS or KEYWORDS[m.group(2)][0] != KE:
                raise ProposalError(f"'{text}': unknown key exchange '{m.group(2)}'")
            p.add(f"KE{m.group(1)}", KEYWORDS[m.group(2)][1])
            continue
        if tok not in KEYWORDS:
            raise ProposalError(f"'{text}': unknown algorithm '{tok}'")
        ttype, alg = KEYWORDS[tok]
        p.add(ttype, alg)
    return _finish(p)


def _classify(name: str) -> tuple[str, str]:
    m = re.match(r"^KE([1-7])_(.+)$", name)
    if m:
        return f"KE{m.group(1)}", m.group(2)
    if name.startswith("PRF_"):
        return PRF, name
    if name in ("NO_EXT_SEQ", "EXT_SEQ"):
        return ESN, name
    if name.startswith(("MODP_", "ECP_", "CURVE_", "ML_KEM_")) or name == NONE:
        return KE, name
    if name.startswith(("HMAC_", "AES_XCBC", "AES_CMAC", "CAMELLIA_XCBC")):
        return INTEG, name
    return ENCR, name


def parse_charon(text: str) -> Proposal:
    """``IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048`` -> Proposal."""
    proto, _, rest = text.strip().partition(":")
    p = Proposal(proto.upper(), text=text)
    for name in rest.split("/"):
        if name:
            p.add(*_classify(name.strip()))
    return p


# ---- strongSwan's "default" proposals -------------------------------------------------------

_KE_DEFAULT = ["ECP_256", "ECP_384", "ECP_521", "ECP_256_BP", "ECP_384_BP", "ECP_512_BP", "CURVE_25519",
               "CURVE_448", "MODP_3072", "MODP_4096", "MODP_6144", "MODP_8192", "MODP_2048"]
_PRF_DEFAULT = ["PRF_HMAC_SHA2_256", "PRF_HMAC_SHA2_384", "PRF_HMAC_SHA2_512", "PRF_AES128_XCBC",
                "PRF_AES128_CMAC", "PRF_HMAC_SHA1"]


def version_tuple(v: str | None) -> tuple[int, ...]:
    if not v:
        return ()
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def default_ke(version: str | None) -> list[str]:
    """IKE default KE methods; MODP_1024 was in the default before 5.6.1 (MODP_1536 never was)."""
    ke = list(_KE_DEFAULT)
    if version and version_tuple(version) < (5, 6, 1):
        ke.append("MODP_1024")
    return ke


def default_proposals(proto: str, version: str | None = None) -> list[Proposal]:
    """What ``default`` expands to on a given strongSwan version (None = a current 5.9/6.0)."""
    vt = version_tuple(version) or (5, 9, 14)
    ke = default_ke(version)
    if proto == "IKE":
        classic = Proposal("IKE", text="default")
        for size in (128, 192, 256):
            for fam in ("AES_CBC", "AES_CTR", "CAMELLIA_CBC", "CAMELLIA_CTR"):
                classic.add(ENCR, f"{fam}_{size}")
        classic.add(ENCR, "3DES_CBC")
        for a in ("HMAC_SHA2_256_128", "HMAC_SHA2_384_192", "HMAC_SHA2_512_256", "AES_XCBC_96", "AES_CMAC_96",
                  "HMAC_SHA1_96"):
            classic.add(INTEG, a)
        aead = Proposal("IKE", text="default")
        for fam in ("AES_GCM_16", "AES_CCM_16"):
            for size in (128, 192, 256):
                aead.add(ENCR, f"{fam}_{size}")
        aead.add(ENCR, "CHACHA20_POLY1305")
        for fam in ("AES_GCM_12", "AES_GCM_8", "AES_CCM_12", "AES_CCM_8"):
            for size in (128, 192, 256):
                aead.add(ENCR, f"{fam}_{size}")
        for p in (classic, aead):
            p.transforms[PRF] = list(_PRF_DEFAULT)
            p.transforms[KE] = list(ke)
        return [classic, aead]
    optional_ke = vt >= (6, 0, 2)
    out: list[Proposal] = []
    if vt >= (5, 9, 0):
        aead = Proposal("ESP", text="default")
        for size in (128, 192, 256):
            aead.add(ENCR, f"AES_GCM_16_{size}")
        out.append(aead)
    classic = Proposal("ESP", text="default")
    for size in (128, 192, 256):
        classic.add(ENCR, f"AES_CBC_{size}")
    for a in ("HMAC_SHA2_256_128", "HMAC_SHA2_384_192", "HMAC_SHA2_512_256", "HMAC_SHA1_96", "AES_XCBC_96"):
        classic.add(INTEG, a)
    out.append(classic)
    for p in out:
        if optional_ke:
            p.transforms[KE] = [*ke, NONE]
        p.add(ESN, "NO_EXT_SEQ")
    return out


def configured(proto: str, items: list[str], strict: bool = True, version: str | None = None) -> list[Proposal]:
    """The proposal list charon builds from a config value (``default`` expanded; ipsec.conf
    lists without ``!`` get the defaults appended)."""
    out: list[Proposal] = []
    for item in items:
        if item.lower() == "default":
            out.extend(default_proposals(proto, version))
        else:
            out.append(parse_keywords(proto, item))
    if not strict and not any(i.lower() == "default" for i in items):
        out.extend(default_proposals(proto, version))
    return out


# ---- selection -------------------------------------------------------------------------------

def _select_type(ttype: str, mine: list[str], theirs: list[str], proto: str) -> str | None | bool:
    """Algorithm chosen for one transform type; ``True`` = matched with nothing to choose,
    ``False`` = no match (``select_algo``)."""
    is_ke = ttype == KE or ttype in ADDKE
    optional = is_ke and (proto == "ESP" or ttype != KE)
    if not mine and not theirs:
        return True
    if not mine:
        return True if optional and NONE in theirs else False
    if not theirs:
        return True if optional and NONE in mine else False
    for a in mine:
        if a in theirs:
            return True if a == NONE else a
    return False


def select_one(mine: Proposal, theirs: Proposal, skip_ke: bool = False) -> Proposal | None:
    """The proposal ``mine.select(theirs)`` would produce, or None."""
    if mine.proto != theirs.proto:
        return None
    result = Proposal(mine.proto)
    types = list(dict.fromkeys([*mine.transforms, *theirs.transforms]))
    aead = False
    for t in types:
        if t == INTEG and aead:
            continue
        if skip_ke and (t == KE or t in ADDKE):
            continue
        r = _select_type(t, mine.algs(t), theirs.algs(t), mine.proto)
        if r is False:
            return None
        if isinstance(r, str):
            result.add(t, r)
            if t == ENCR and r.startswith(AEAD_PREFIXES):
                aead = True
    return result


def select(configured_list: list[Proposal], received: list[Proposal], skip_ke: bool = False,
           prefer_configured: bool = True) -> Proposal | None:
    """``proposal_select``: first match, iterating the preferred side's list first."""
    outer, inner = (configured_list, received) if prefer_configured else (received, configured_list)
    for a in outer:
        for b in inner:
            mine, theirs = (a, b) if prefer_configured else (b, a)
            sel = select_one(mine, theirs, skip_ke)
            if sel is not None:
                return sel
    return None


# ---- Apple clients -------------------------------------------------------------------------

@dataclass(slots=True)
class ClientProfile:
    """What one Apple client OS version proposes, and where that knowledge comes from."""

    id: str  # as asked for, e.g. "ios-16"
    os: str  # ios | macos
    version: tuple[int, ...]
    data_since: str
    basis: str
    sources: list[str]
    ike: list[Proposal]
    esp: list[Proposal]
    esp_rekey: list[str]  # may contain {IKE_KE}
    note: str = ""
    from_profile: bool = False

    def rekey_proposals(self, ike_ke: str | None) -> list[Proposal]:
        out = []
        for s in self.esp_rekey:
            if "{IKE_KE}" in s:
                if not ike_ke:
                    continue
                s = s.replace("{IKE_KE}", ike_ke)
            out.append(parse_charon(s))
        return out


@lru_cache(maxsize=4)
def load_apple_defaults(path: str | None = None) -> dict:
    p = Path(path) if path else patterns_dir() / "apple-defaults.toml"
    with open(p, "rb") as fh:
        return tomllib.load(fh)


_CLIENT_RE = re.compile(r"^(ios|ipados|macos|osx)[-_ ]?(\d+(?:\.\d+){0,2})?$", re.I)


def parse_client(client: str) -> tuple[str, tuple[int, ...]]:
    """``ios-16`` -> ("ios", (16,)); ``macos-10.15`` -> ("macos", (10, 15))."""
    m = _CLIENT_RE.match(client.strip())
    if not m:
        raise ValueError(f"unknown client '{client}': use ios-<version> or macos-<version>, e.g. ios-16,macos-13")
    os_name = {"ipados": "ios", "osx": "macos"}.get(m.group(1).lower(), m.group(1).lower())
    return os_name, version_tuple(m.group(2)) if m.group(2) else (99,)


def _pad(v: tuple[int, ...]) -> tuple[int, ...]:
    return (v + (0, 0, 0))[:3]


def client_profile(client: str, data: dict | None = None) -> ClientProfile:
    """The default proposal lists for one client id, from ``apple-defaults.toml``."""
    data = data or load_apple_defaults()
    os_name, ver = parse_client(client)
    if len(ver) == 1:  # "macos-13": the newest data for any 13.x
        ver = (ver[0], 99, 99)
    entries = sorted((e for e in data["clients"] if e["os"] == os_name), key=lambda e: version_tuple(e["since"]))
    chosen = [e for e in entries if _pad(version_tuple(e["since"])) <= _pad(ver)]
    note = ""
    if chosen:
        e = chosen[-1]
    else:
        e = entries[0]
        note = f"no data for {client}; using the {os_name} {e['since']} lists"
    return ClientProfile(
        id=client, os=os_name, version=ver, data_since=e["since"], basis=e["basis"], sources=list(e["sources"]),
        ike=[parse_charon(s) for s in e["ike"]], esp=[parse_charon(s) for s in e["esp"]],
        esp_rekey=list(e["esp_rekey"]), note=note,
    )


def profile_client(base: ClientProfile, ike, child, enable_pfs: bool, data: dict | None = None) -> ClientProfile:
    """A client whose profile sets IKE/Child SA parameters: it proposes just those."""
    data = data or load_apple_defaults()
    prof = data["profile"]
    d = prof["defaults"]

    def build(proto: str, params, with_ke: bool) -> Proposal:
        enc = prof["encryption"].get(getattr(params, "encryption", None) or d["EncryptionAlgorithm"])
        integ, prf = prof["integrity"].get(getattr(params, "integrity", None) or d["IntegrityAlgorithm"],
                                           [None, None])
        group = getattr(params, "dh_group", None) or d["DiffieHellmanGroup"]
        ke = prof["dh_group"].get(str(group))
        p = Proposal(proto, text=f"profile {proto}")
        if enc:
            p.add(ENCR, enc)
        if not p.is_aead and integ:
            p.add(INTEG, integ)
        if proto == "IKE":
            if prf:
                p.add(PRF, prf)
            if ke:
                p.add(KE, ke)
        else:
            if with_ke and ke:
                p.add(KE, ke)
            p.add(ESN, "NO_EXT_SEQ")
        return p

    ike_p = build("IKE", ike, True) if ike is not None else None
    esp_p = build("ESP", child, False) if child is not None else None
    rekey = build("ESP", child, enable_pfs) if child is not None else None
    return ClientProfile(
        id=base.id, os=base.os, version=base.version, data_since=base.data_since, basis="profile",
        sources=base.sources, ike=[ike_p] if ike_p else base.ike, esp=[esp_p] if esp_p else base.esp,
        esp_rekey=[str(rekey)] if rekey else base.esp_rekey, note=base.note, from_profile=True,
    )
