#!/usr/bin/env bash
# Install Debian's prometheus package for the end-to-end suite (make e2e-deps), and keep its service off.
#
# The suite runs its own prometheus process on 127.0.0.1 with its own config and storage under build/. Debian's
# package would start a service listening on 0.0.0.0:9090 with /var/lib/prometheus: a policy-rc.d that answers 101
# ("action forbidden") keeps invoke-rc.d from starting it during the install, and the unit is disabled afterwards so
# it never starts at boot either. --no-install-recommends leaves out prometheus-node-exporter, a second node
# exporter that would also want port 9100.
#
# Idempotent: a machine that already has /usr/bin/prometheus returns at once.
set -euo pipefail

if [ -x /usr/bin/prometheus ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: /usr/bin/prometheus is missing; install it as root: apt-get install --no-install-recommends prometheus" >&2
    exit 1
fi

policy=/usr/sbin/policy-rc.d
made_policy=false
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    made_policy=true
fi
cleanup() { if $made_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# Not at boot either (systemctl edits the unit links without a running systemd; sysvinit has its own links).
systemctl disable prometheus.service >/dev/null 2>&1 || true
update-rc.d prometheus disable >/dev/null 2>&1 || true
/usr/bin/prometheus --version 2>&1 | head -1
