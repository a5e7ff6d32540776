#!/usr/bin/env bash
# Builds the Debian 13 root whose strongSwan 6.0.x charon the lab runs as its second major
# version (tests/lab, IKD_LAB_CHARON_ROOT; docs/lab.md). Idempotent: an existing root is kept.
# The Debian mirror is the one this machine's own apt sources name. Prints the root's path on
# success; on any failure it says why and exits 0 with nothing printed (the 6.x lab then skips).
set -uo pipefail
root=${IKD_LAB6_ROOT:-/var/lib/ikdlab/trixie}
pkgs=strongswan-charon,strongswan-swanctl,strongswan-pki,libcharon-extra-plugins,libcharon-extauth-plugins,libstrongswan-standard-plugins

say() { echo "install-lab6-root: $*" >&2; }
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "needs root and apt-get; the strongSwan 6 lab will skip"; exit 0
fi
if [ -x "$root/usr/lib/ipsec/charon" ]; then
    echo "$root"; exit 0
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
             --no-install-recommends mmdebstrap >/dev/null 2>&1; } \
        || { say "cannot install mmdebstrap; the strongSwan 6 lab will skip"; exit 0; }
fi
# the first archive URL of this machine's apt sources (one-line or deb822 form), not its security one
mirror=$(grep -rhoE 'https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
         /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | grep -v snapshot | head -n 1)
if [ -z "$mirror" ]; then
    say "no Debian mirror in this machine's apt sources; the strongSwan 6 lab will skip"; exit 0
fi
mkdir -p "$(dirname "$root")"
if ! timeout 900 mmdebstrap --quiet --variant=minbase --include="$pkgs" trixie "$root.tmp" "$mirror" >&2; then
    rm -rf "$root.tmp"
    say "mmdebstrap of Debian 13 failed; the strongSwan 6 lab will skip"; exit 0
fi
mv "$root.tmp" "$root"
echo "$root"
