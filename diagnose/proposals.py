"""Translate proposals as charon logs them into the keywords swanctl.conf takes.

``IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048`` is what the
log shows; ``aes256-sha256-prfsha256-modp2048`` is what the fix must say.  The
mapping follows strongSwan's proposal keyword table (IKEv2 cipher suites page).
"""

from __future__ import annotations

_ALG = {
    "AES_CBC_128": "aes128", "AES_CBC_192": "aes192", "AES_CBC_256": "aes256",
    "AES_GCM_16_128": "aes128gcm16", "AES_GCM_16_192": "aes192gcm16", "AES_GCM_16_256": "aes256gcm16",
    "AES_GCM_12_256": "aes256gcm12", "AES_GCM_8_256": "aes256gcm8", "AES_GCM_12_128": "aes128gcm12",
    "AES_CTR_128": "aes128ctr", "AES_CTR_256": "aes256ctr",
    "CHACHA20_POLY1305_256": "chacha20poly1305", "CHACHA20_POLY1305": "chacha20poly1305",
    "3DES_CBC": "3des", "DES_CBC": "des", "BLOWFISH_CBC_128": "blowfish128",
    "CAMELLIA_CBC_128": "camellia128", "CAMELLIA_CBC_256": "camellia256",
    "HMAC_SHA1_96": "sha1", "HMAC_SHA2_256_128": "sha256", "HMAC_SHA2_384_192": "sha384",
    "HMAC_SHA2_512_256": "sha512", "HMAC_MD5_96": "md5", "AES_XCBC_96": "aesxcbc", "HMAC_SHA2_256_96": "sha256_96",
    "PRF_HMAC_SHA1": "prfsha1", "PRF_HMAC_SHA2_256": "prfsha256", "PRF_HMAC_SHA2_384": "prfsha384",
    "PRF_HMAC_SHA2_512": "prfsha512", "PRF_HMAC_MD5": "prfmd5", "PRF_AES128_XCBC": "prfaesxcbc",
    "MODP_768": "modp768", "MODP_1024": "modp1024", "MODP_1536": "modp1536", "MODP_2048": "modp2048",
    "MODP_3072": "modp3072", "MODP_4096": "modp4096", "MODP_6144": "modp6144", "MODP_8192": "modp8192",
    "MODP_2048_256": "modp2048s256", "MODP_1024_160": "modp1024s160",
    "ECP_256": "ecp256", "ECP_384": "ecp384", "ECP_521": "ecp521", "ECP_192": "ecp192", "ECP_224": "ecp224",
    "ECP_256_BP": "ecp256bp", "ECP_384_BP": "ecp384bp", "CURVE_25519": "curve25519", "CURVE_448": "curve448",
    "NO_EXT_SEQ": "", "EXT_SEQ": "esn",
}


def proposal_keywords(logged: str) -> str:
    """One logged proposal -> swanctl keyword string (unknown algorithms kept lower-cased)."""
    body = logged.split(":", 1)[-1]
    parts = []
    for alg in body.split("/"):
        kw = _ALG.get(alg, alg.lower())
        if kw:
            parts.append(kw)
    return "-".join(parts)


def keywords_list(logged: list[str] | str | None, limit: int = 3) -> str:
    """The first ``limit`` logged proposals as a comma-separated keyword list."""
    if not logged:
        return ""
    items = logged if isinstance(logged, list) else [p.strip() for p in logged.split(", ")]
    out: list[str] = []
    for p in items:
        kw = proposal_keywords(p)
        if kw and kw not in out:
            out.append(kw)
        if len(out) >= limit:
            break
    return ",".join(out)


def without_ke(logged: list[str] | str | None, limit: int = 3) -> str:
    """ESP keyword list with the key exchange made optional (``-modpnone``) for PFS-less rekeys."""
    kws = keywords_list(logged, limit).split(",") if logged else []
    out = []
    for kw in kws:
        if not kw:
            continue
        out.append(kw if kw.endswith("modpnone") else f"{kw}-modpnone" if _has_ke(kw) else kw)
    return ",".join(out)


def _has_ke(kw: str) -> bool:
    return any(t.startswith(("modp", "ecp", "curve")) for t in kw.split("-"))
