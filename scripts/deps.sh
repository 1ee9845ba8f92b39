#!/usr/bin/env bash
# Installs what signy needs to build and test, from Debian bookworm packages only.
# Usage: scripts/deps.sh [build|test]   (test adds the reference tools used by the interop suite)
set -euo pipefail
want=(build-essential cmake pkg-config libssl-dev libsodium-dev nlohmann-json3-dev
      libcurl4-openssl-dev libcli11-dev catch2 libarchive-dev libexpected-dev openssl dpkg-dev file)
if [[ ${1:-build} == test ]]; then
  want+=(notary in-toto docker-registry skopeo umoci apache2-utils python3 python3-jsonschema jq curl time faketime clang libclang-rt-14-dev
         bash-completion man-db groff-base bsdutils)
fi
missing=()
for p in "${want[@]}"; do
  grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "scripts/deps.sh: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
