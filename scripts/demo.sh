#!/usr/bin/env bash
# The main job (README "Set-up"): builds signy, creates keys in a throw-away trust directory,
# signs the fixture thick bundle on the default file:// trust repository, verifies it, lists the
# collection, and shows a tampered copy refused.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${JOBS:-2}" --target signy
trust=$(mktemp -d)
trap 'rm -rf "$trust"' EXIT
# Demo passphrases only: real ones come from a prompt or a secret store.
export SIGNY_ROOT_PASSPHRASE=demo-root-passphrase SIGNY_TARGETS_PASSPHRASE=demo-targets-passphrase \
       SIGNY_SNAPSHOT_PASSPHRASE=demo-snapshot-passphrase
signy=./build/signy
set -x
$signy -d "$trust" key generate --role root
targets_key=$($signy -d "$trust" key generate --role targets --gun localhost:5000/demo/bundle | tee /dev/stderr | awk '{print $NF}')
$signy -d "$trust" digest fixtures/cnab/thick/good.tgz
# A new collection gets a new targets key unless --targets-key names one (here the one just made).
$signy -d "$trust" sign --thick --targets-key "$targets_key" fixtures/cnab/thick/good.tgz localhost:5000/demo/bundle:v1
$signy -d "$trust" verify --thick --local fixtures/cnab/thick/good.tgz localhost:5000/demo/bundle:v1
$signy -d "$trust" list localhost:5000/demo/bundle
$signy -d "$trust" key list
cp fixtures/cnab/thick/good.tgz "$trust/tampered.tgz"
printf 'x' >>"$trust/tampered.tgz"
if $signy -d "$trust" verify --thick --local "$trust/tampered.tgz" localhost:5000/demo/bundle:v1; then
  exit 1  # a tampered bundle must be refused
fi
