#!/usr/bin/env bash
# Install what building, running and testing Sluice needs on Debian 12.
# Idempotent: when every package is present it touches nothing (and needs no
# network); otherwise one apt-get update, then one install.
set -euo pipefail

packages=(
	# build
	gcc pkg-config meson ninja-build python3
	libdpdk-dev libnuma-dev libconfig-dev libcunit1-dev
	# session sync's MACs (libcrypto)
	libssl-dev
	# DPDK runtime drivers and tools (testpmd, pdump, proc-info, telemetry)
	dpdk dpdk-dev
	# demo and integration tests: namespaces, offload control, clients, servers
	iproute2 ethtool iputils-ping procps curl socat jq
	# test_mgmt: delays chmod to show a socket's mode at creation
	strace
	# test_ha: the VRRP daemon an HA pair runs, unmodified
	keepalived
	# the Pktgen script's test against a stub of Pktgen's Lua API
	# (test/bench/pktgen/check.sh): Lua 5.3, as docs/pktgen.md builds Pktgen
	lua5.3
	# libFuzzer harnesses (scripts/fuzz.sh; short runs in scripts/test.sh):
	# clang 14, and its runtimes, where libclang_rt.fuzzer lives (not a
	# dependency of clang without recommends)
	clang libclang-rt-14-dev
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's first boot (apt-daily, unattended-upgrades) or another
# run may hold the dpkg lock for a while: wait for it instead of failing.
apt-get -o DPkg::Lock::Timeout=300 update -q
apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
