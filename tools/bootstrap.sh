#!/usr/bin/env bash
# Installs the Debian 12 packages mqsim needs, only those that are missing.
# Idempotent: a second run with everything present does nothing (no apt-get update).
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-bootstrap-source
  g++ libc6-dev
  librocksdb-dev librapidcheck-dev catch2 libfiu-dev fiu-utils libyaml-cpp-dev
  libnats-dev nats-server
  libcli11-dev nlohmann-json3-dev libfmt-dev libxxhash-dev libbenchmark-dev
  libabsl-dev jq
  clang-14 libclang-rt-14-dev clang-format-14
  chromium
  munge slurmctld slurmd slurm-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
