#!/usr/bin/env bash
# Installs what the ikedoctor lab (tests/lab) needs: Debian's strongSwan 5.9.8 charon, swanctl, pki,
# the EAP/XAuth/attr plugins, iproute2, nftables and rsyslog. Idempotent and non-interactive.
# The packages' own services are never started: a policy-rc.d denies service starts during the
# install, and any strongSwan unit that came up anyway is stopped afterwards.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-lab-deps: not root, skipping the lab dependencies (the lab tests will skip)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-lab-deps: no apt-get on this machine, skipping (the lab tests will skip)"
    exit 0
fi

pkgs=(strongswan-charon strongswan-swanctl strongswan-pki libcharon-extra-plugins
      libcharon-extauth-plugins libstrongswan-standard-plugins iproute2 nftables rsyslog)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-lab-deps: all lab packages already installed"
else
    export DEBIAN_FRONTEND=noninteractive
    # Keep maintainer scripts from starting charon/rsyslog on the host.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    trap 'if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi' EXIT
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Never leave a host strongSwan service running: the lab starts its own daemons in namespaces.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in strongswan.service strongswan-starter.service; do
        systemctl stop "$unit" >/dev/null 2>&1 || true
        systemctl disable "$unit" >/dev/null 2>&1 || true
    done
fi
dpkg-query -W -f='install-lab-deps: ${Package} ${Version}\n' strongswan-charon strongswan-swanctl strongswan-pki
