#!/usr/bin/env bash
# The main job (README "Set-up"): builds signy, creates keys in a throw-away trust directory and
# prints the digests of the fixture thick bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${JOBS:-2}" --target signy
trust=$(mktemp -d)
trap 'rm -rf "$trust"' EXIT
# Demo passphrases only: real ones come from a prompt or a secret store.
export SIGNY_ROOT_PASSPHRASE=demo-root-passphrase SIGNY_TARGETS_PASSPHRASE=demo-targets-passphrase
set -x
./build/signy -d "$trust" key generate --role root
./build/signy -d "$trust" key generate --role targets --gun localhost:5000/demo/bundle
./build/signy -d "$trust" key list
./build/signy digest fixtures/cnab/thick.tgz
./build/signy -o json digest fixtures/cnab/thick.tgz
