#!/usr/bin/env bash
# Regenerates fixtures/ with the real reference tools, never by hand (fixtures/README.md, which
# this script also writes, describes every file):
#   fixtures/notary/  metadata served by notary-server 0.7 (local trust service, and notary-signer
#                     as a remote one) and written by the notary CLI, with its keys
#   fixtures/cjson/   canonical JSON known answers: docker/go canonical/json (Go), securesystemslib
#                     encode_canonical (Python), RFC 8785 (npm "canonicalize")
#   fixtures/intoto/  keys from in-toto-keygen, links from in-toto-run, a layout signed by
#                     in-toto-sign, all checked with in-toto-verify
#   fixtures/cnab/    a canonical bundle.json (RFC 8785, as cnab-go writes it) and a thick bundle
#
# Usage (as root, from anywhere in a clone): scripts/gen-fixtures.sh
# Installs what is missing from Debian (notary in-toto golang-go golang-github-docker-go-dev
# openssl python3 curl, nodejs/npm if there is no node), and the npm package canonicalize into a
# temporary directory. Servers listen on 127.0.0.1 only and are stopped on exit. Fixed
# passphrases and GUNs; keys, signatures and timestamps change on every run (tests read whatever
# the files say), the cjson/ and cnab/ outputs are byte-identical between runs.
set -euo pipefail
started=$SECONDS
cd "$(dirname "$0")/.."
root=$PWD
out=$root/fixtures
py=/usr/bin/python3 # Debian's python, which has in_toto and securesystemslib

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'gen-fixtures: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------------------ dependencies
want=(notary in-toto golang-go golang-github-docker-go-dev openssl python3 curl ca-certificates umoci)
command -v node >/dev/null && command -v npm >/dev/null || want+=(nodejs npm)
missing=()
for p in "${want[@]}"; do
  grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

base=/tmp
[[ -d /dev/shm && -w /dev/shm ]] && base=/dev/shm
tmp=$(mktemp -d "$base/signy-fixtures.XXXXXX")
source scripts/notary-harness.sh
cleanup() {
  notary_harness_stop
  rm -rf "$tmp"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------ notary
log "notary: notary-server with its local trust service (ed25519 timestamp key)"
rm -rf "$out/notary"
mkdir -p "$out/notary"
export NOTARY_ROOT_PASSPHRASE=fixture-root-pass NOTARY_TARGETS_PASSPHRASE=fixture-targets-pass \
       NOTARY_SNAPSHOT_PASSPHRASE=fixture-snapshot-pass NOTARY_DELEGATION_PASSPHRASE=fixture-delegation-pass
cat >"$out/notary/PASSPHRASES" <<'TXT'
root fixture-root-pass
targets fixture-targets-pass
snapshot fixture-snapshot-pass
targets/releases fixture-delegation-pass
TXT

trust=""
n() { notary -d "$trust" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
get() { # get GUN FILE DEST: the bytes exactly as the server sends them
  curl -sSf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$1/_trust/tuf/$2" -o "$3" || die "GET $1 $2 failed"
}

# make_repo TRUSTDIR GUN DIR: a repository with two targets in "targets" and a delegation
# targets/releases (key made by `notary key generate ecdsa`) holding a third, then everything
# the server serves for it, byte-exact, and the private keys the CLI wrote.
make_repo() {
  trust=$1
  local gun=$2 dir=$3
  mkdir -p "$dir/content" "$dir/targets"
  printf 'hello world\n' >"$dir/content/v1.0"
  printf 'weird name\n' >"$dir/content/weird"
  printf 'release bundle\n' >"$dir/content/v2.0"
  n init "$gun" >/dev/null
  n add "$gun" v1.0 "$dir/content/v1.0" >/dev/null
  n add "$gun" 'we<ird>&name/ü' "$dir/content/weird" >/dev/null
  n publish "$gun" >/dev/null
  local rel_id
  rel_id=$(notary -d "$trust" key generate ecdsa --role targets/releases | awk '{print $NF}')
  [[ -f $trust/private/$rel_id.key ]] || die "notary key generate did not write $rel_id.key"
  # The public half of the key in notary's store, as a plain PEM for `delegation add`.
  sed '/^[a-z]*: /d;/^$/d' "$trust/private/$rel_id.key" |
    openssl pkey -passin pass:"$NOTARY_DELEGATION_PASSPHRASE" -pubout -out "$tmp/releases-$rel_id.pem"
  n delegation add "$gun" targets/releases "$tmp/releases-$rel_id.pem" --all-paths >/dev/null
  n publish "$gun" >/dev/null
  n add "$gun" v2.0 "$dir/content/v2.0" --roles targets/releases >/dev/null
  n publish "$gun" >/dev/null
  for role in root targets snapshot timestamp; do get "$gun" "$role.json" "$dir/$role.json"; done
  get "$gun" targets/releases.json "$dir/targets/releases.json"
  # A second client with an empty trust dir pulls the repository: it must be healthy.
  notary -d "$tmp/check-$RANDOM" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" list "$gun" >"$dir/notary-list.txt" ||
    die "notary list $gun failed on a fresh trust dir"
  grep -q '^v1.0 ' "$dir/notary-list.txt" && grep -q '^v2.0 ' "$dir/notary-list.txt" &&
    grep -q '^we<ird>&name/ü ' "$dir/notary-list.txt" || die "notary list $gun lacks a target"
}

notary_harness_start "$tmp/server" local >/dev/null
gun=example.com/signy/fixture
make_repo "$tmp/trust" "$gun" "$out/notary/repo"
mkdir -p "$out/notary/trust"
cp "$tmp"/trust/private/*.key "$out/notary/trust/"
[[ $(ls "$out/notary/trust" | wc -l) == 4 ]] || die "expected 4 private keys in the trust dir"

log "notary: root rotation"
rgun=example.com/signy/rotated
mkdir -p "$out/notary/rotated/content"
printf 'rotated\n' >"$out/notary/rotated/content/v1"
n init "$rgun" >/dev/null
n add "$rgun" v1 "$out/notary/rotated/content/v1" >/dev/null
n publish "$rgun" >/dev/null
# It asks for confirmation on stdin, and publishes the rotation itself.
echo yes | n key rotate "$rgun" root >"$tmp/rotate.log" 2>&1 || die "key rotate: $(cat "$tmp/rotate.log")"
for f in 1.root.json 2.root.json root.json timestamp.json snapshot.json targets.json; do
  get "$rgun" "$f" "$out/notary/rotated/$f"
done
cmp -s "$out/notary/rotated/2.root.json" "$out/notary/rotated/root.json" || die "root.json is not version 2"
! curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$rgun/_trust/tuf/3.root.json" >/dev/null || die "unexpected 3.root.json"
notary -d "$tmp/check-rotated" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" list "$rgun" >"$out/notary/rotated/notary-list.txt" ||
  die "notary list $rgun failed"
notary_harness_stop

log "notary: key generate"
mkdir -p "$out/notary/keygen"
notary -d "$tmp/keygen-trust" key generate ecdsa --role targets -o "$out/notary/keygen/targets-ecdsa" >/dev/null
[[ -s $out/notary/keygen/targets-ecdsa.pem && -s $out/notary/keygen/targets-ecdsa-key.pem ]] ||
  die "notary key generate -o wrote no files"
# Which of the four passphrases encrypts it (notary 0.7 uses the delegation one for -o files).
keygen_pass=""
for p in "$NOTARY_ROOT_PASSPHRASE" "$NOTARY_TARGETS_PASSPHRASE" "$NOTARY_SNAPSHOT_PASSPHRASE" "$NOTARY_DELEGATION_PASSPHRASE"; do
  if sed '/^[a-z]*: /d;/^$/d' "$out/notary/keygen/targets-ecdsa-key.pem" | openssl pkey -passin pass:"$p" -noout 2>/dev/null; then
    keygen_pass=$p
    break
  fi
done
[[ -n $keygen_pass ]] || die "the -o private key decrypts with none of the passphrases"
printf '%s\n' "$keygen_pass" >"$out/notary/keygen/PASSPHRASE"
refused=""
for alg in rsa ed25519; do
  if notary -d "$tmp/keygen-trust" key generate "$alg" --role targets -o "$tmp/keygen-$alg" >"$tmp/keygen-$alg.log" 2>&1; then
    cp "$tmp/keygen-$alg.pem" "$out/notary/keygen/targets-$alg.pem"
    cp "$tmp/keygen-$alg-key.pem" "$out/notary/keygen/targets-$alg-key.pem"
  else
    # The CLI's exact words, without its blank lines.
    printf '%s\n' "$(grep -v '^$' "$tmp/keygen-$alg.log")" >"$out/notary/keygen/$alg.refused"
    refused+=" $alg"
  fi
done

log "notary: notary-server with notary-signer as its trust service (ecdsa timestamp key)"
notary_harness_start "$tmp/server-signer" signer >/dev/null
make_repo "$tmp/trust-signer" "$gun" "$out/notary/signer-repo"
mkdir -p "$out/notary/signer-trust"
cp "$tmp"/trust-signer/private/*.key "$out/notary/signer-trust/"
notary_harness_stop
"$py" - "$out/notary" <<'PY' || die "unexpected key types in the served roots"
import json, sys
d = sys.argv[1]
for repo, want in (("repo", "ed25519"), ("signer-repo", "ecdsa")):
    signed = json.load(open(f"{d}/{repo}/root.json"))["signed"]
    kid = signed["roles"]["timestamp"]["keyids"][0]
    got = signed["keys"][kid]["keytype"]
    assert got == want, f"{repo}: timestamp key is {got}, not {want}"
PY

# ------------------------------------------------------------------------------ canonical JSON
log "cjson: docker/go canonical/json, securesystemslib, RFC 8785"
rm -rf "$out/cjson"
mkdir -p "$out/cjson/notary" "$out/cjson/sslib" "$out/cjson/jcs" "$tmp/common"
# Inputs used by both the Go (Notary) and the Python (in-toto) canonical forms.
input() { cat >"$1.input.json"; }
input "$tmp/common/keys_order" <<'J'
{"z":0,"b":1,"a":2,"_type":3,"B":4,"9":5,"10":6,"\u00e9":7,"Z":8,"e":9,"\uffff":10,"\ud83d\ude00":11,"\ue000":12}
J
input "$tmp/common/escapes" <<'J'
{"s":"quote\" backslash\\ slash/ tab\t nl\n cr\r soh\u0001 us\u001f del\u007f bs\b ff\f nul\u0000 end"}
J
input "$tmp/common/html" <<'J'
{"<key>&":"a<b>c&d ls\u2028 ps\u2029 \u00e9 \u00fc \u4e2d \ud83d\ude00","we<ird>&name/\u00fc":{"length":12}}
J
input "$tmp/common/nested" <<'J'
{"a":[1,[2,[3,{"c":{"d":[]},"b":{}}]]],"e":{"g":{"i":null,"h":"x"}},"arr":[{"z":1,"y":2},[],{}]}
J
input "$tmp/common/empty_object" <<'J'
{}
J
input "$tmp/common/empty_array" <<'J'
[]
J
input "$tmp/common/literals" <<'J'
[true,false,null,"",0,{"t":true,"f":false,"n":null}]
J
input "$tmp/common/float_error" <<'J'
{"x":1.5}
J
cp "$tmp"/common/*.input.json "$out/cjson/notary/"
cp "$tmp"/common/*.input.json "$out/cjson/sslib/"
# Notary only: float64 numbers that are integral become integers.
input "$out/cjson/notary/integral_floats" <<'J'
[1.0,1e3,1E2,2.5e1,-0.0,0,-1,100,9007199254740992]
J
# Notary only: integral floats beyond int64 (what Go's float64 -> int64 conversion gives on amd64).
input "$out/cjson/notary/large_numbers" <<'J'
[12345678901234567890,1e20,9007199254740993]
J
# securesystemslib only: integers of any size; any float, even 1.0, is refused.
input "$out/cjson/sslib/numbers" <<'J'
[-1,0,1,12345678901234567890,[],{}]
J
# Python integers have no size limit: beyond both int64 and uint64.
input "$out/cjson/sslib/big_integers" <<'J'
[-12345678901234567890,123456789012345678901234567890,-9223372036854775809,18446744073709551616]
J
input "$out/cjson/sslib/integral_float_error" <<'J'
[1.0]
J
GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS='' GOCACHE="$tmp/gocache" GOTMPDIR="$tmp" \
  go run scripts/fixtures-cjson.go "$out/cjson/notary"
"$py" - "$out/cjson/sslib" <<'PY'
import glob, json, sys
from securesystemslib import formats
for path in sorted(glob.glob(sys.argv[1] + "/*.input.json")):
    base = path[: -len(".input.json")]
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    try:
        data = formats.encode_canonical(value).encode("utf-8")
    except Exception as e:  # the error is the known answer
        with open(base + ".error", "w", encoding="utf-8") as f:
            f.write(f"{type(e).__module__}.{type(e).__name__}: {e}")
        continue
    with open(base + ".canonical", "wb") as f:
        f.write(data)
PY

npm install --silent --no-audit --no-fund --no-package-lock --prefix "$tmp/npm" canonicalize@2.1.0 >/dev/null
export NODE_PATH=$tmp/npm/node_modules
jcs() { # jcs IN OUT: RFC 8785 bytes by the npm reference
  node -e 'const c=require("canonicalize"),fs=require("fs");fs.writeFileSync(process.argv[2],c(JSON.parse(fs.readFileSync(process.argv[1],"utf8"))))' "$1" "$2"
}
input "$out/cjson/jcs/numbers" <<'J'
[1.0,1e16,1e21,1e-7,-0,0.1,123.456,5e-324,1e-6,100,12345678901234567890,1.7976931348623157e308,-1.5e-9,333333333.33333329]
J
input "$out/cjson/jcs/strings" <<'J'
{"\ue000":1,"\ud83d\ude00":2,"a\u001f\n<&>\u2028\u007f":3,"b":"\u0000\b\f\t\"\\/\u001f\u00e9"}
J
input "$out/cjson/jcs/keys_order" <<'J'
{"\ue000":1,"\ud83d\ude00":2,"\uffff":3,"a":4,"10":5,"9":6,"\u00e9":7,"B":8,"_type":9}
J
input "$out/cjson/jcs/html" <<'J'
{"d":"<short> & sweet \u2028\u2029","c":[{"b":null,"a":true},[],{}]}
J
for f in "$out"/cjson/jcs/*.input.json; do jcs "$f" "${f%.input.json}.canonical"; done

# ------------------------------------------------------------------------------ in-toto
log "in-toto: keys, links, layout, verification"
rm -rf "$out/intoto"
mkdir -p "$out/intoto/work/src"
cd "$out/intoto"
for t in rsa ed25519 ecdsa; do in-toto-keygen -t "$t" "$t" >/dev/null; done
for t in rsa ed25519; do
  "$py" "$root/scripts/fixtures-feedpw.py" fixture-intoto-pass in-toto-keygen -p -t "$t" "$t-enc" 2>/dev/null ||
    die "in-toto-keygen -p -t $t failed"
done
printf 'int main(void) { return 0; }\n' >work/src/main.c
cmd='mkdir -p out && cp src/main.c out/main.c'
for t in rsa ed25519 ecdsa; do
  (cd work && rm -rf out && in-toto-run -n build -k "../$t" -t "$t" -m src -p out -- sh -c "$cmd" >/dev/null)
  links=(work/build.*.link)
  [[ ${#links[@]} == 1 && -f ${links[0]} ]] || die "in-toto-run wrote no link for $t"
  mv "${links[0]}" .
  cp "${links[0]#work/}" "build-$t.link"
done
"$py" - "$cmd" <<'PY'
import sys
from securesystemslib import interface as i, keys
from in_toto.models.layout import Inspection, Layout, Step
from in_toto.models.metadata import Metablock
names = ["rsa", "ed25519", "ecdsa"]
pubs = [i.import_rsa_publickey_from_file("rsa.pub"),
        i.import_ed25519_publickey_from_file("ed25519.pub"),
        i.import_ecdsa_publickey_from_file("ecdsa.pub")]
step = Step(name="build", expected_command=["sh", "-c", sys.argv[1]],
            expected_materials=[["ALLOW", "src/*"], ["DISALLOW", "*"]],
            expected_products=[["CREATE", "out/main.c"], ["ALLOW", "out/*"], ["DISALLOW", "*"]],
            pubkeys=[k["keyid"] for k in pubs], threshold=1)
# Run by in-toto-verify in its working directory: out/main.c there must be what build produced.
inspection = Inspection(name="check-product", run=["test", "-f", "out/main.c"],
                        expected_materials=[["MATCH", "out/*", "WITH", "PRODUCTS", "FROM", "build"],
                                            ["DISALLOW", "out/*"], ["ALLOW", "*"]])
layout = Layout(expires="2036-01-01T00:00:00Z", steps=[step], inspect=[inspection],
                keys={k["keyid"]: k for k in pubs}, readme="signy fixture layout")
Metablock(signed=layout).dump("root.layout")  # unsigned; in-toto-sign signs it below

with open("keyids.txt", "w") as f:
    for name, k in zip(names, pubs):
        f.write(f"{name} {k['keyid']}\n")
    f.write(f"rsa-enc {i.import_rsa_publickey_from_file('rsa-enc.pub')['keyid']}\n")
    f.write(f"ed25519-enc {i.import_ed25519_publickey_from_file('ed25519-enc.pub')['keyid']}\n")
    # securesystemslib stores the ecdsa public PEM with a trailing newline and hashes it into
    # the keyid; the same key imported from the PEM without it has another keyid.
    pem = pubs[2]["keyval"]["public"]
    assert pem.endswith("\n")
    f.write(f"ecdsa-without-trailing-newline {keys.import_ecdsakey_from_pem(pem.rstrip(chr(10)))['keyid']}\n")
PY
in-toto-sign -f root.layout -k rsa -t rsa >/dev/null
in-toto-sign -f root.layout -k rsa.pub -t rsa --verify >/dev/null || die "in-toto-sign --verify refused the layout"
# The reference verifier accepts the layout over these links, in a copy of the work dir.
mkdir "$tmp/verify"
cp -r work/. root.layout rsa.pub build.*.link "$tmp/verify/"
vcmd="in-toto-verify --layout root.layout --layout-keys rsa.pub"
if (cd "$tmp/verify" && $vcmd) >"$tmp/verify.log" 2>&1; then vrc=0; else vrc=$?; fi
[[ $vrc == 0 ]] || die "in-toto-verify failed: $(cat "$tmp/verify.log")"
# And refuses a tampered product (the inspection's MATCH rule is real).
mkdir "$tmp/verify-bad"
cp -r "$tmp/verify/." "$tmp/verify-bad/"
rm -f "$tmp"/verify-bad/check-product.link
printf 'tampered\n' >"$tmp/verify-bad/out/main.c"
if (cd "$tmp/verify-bad" && $vcmd) >"$tmp/verify-bad.log" 2>&1; then die "in-toto-verify accepted a tampered product"; fi
{
  echo "# in-toto-verify on the committed layout and links (made by scripts/gen-fixtures.sh)"
  echo "\$ cp -r work/. root.layout rsa.pub build.*.link VERIFYDIR/ && cd VERIFYDIR"
  echo "\$ $vcmd"
  sed "s|$tmp|TMP|g" "$tmp/verify.log"
  echo "exit status $vrc"
  echo "\$ printf 'tampered\\n' >out/main.c && $vcmd"
  sed "s|$tmp|TMP|g" "$tmp/verify-bad.log"
  echo "exit status non-zero (refused)"
} >verify.txt
cd "$root"
scripts/gen-intoto-chains.sh  # intoto/chains/: supply chains and in-toto-verify's verdicts (its README.md)

# ------------------------------------------------------------------------------ CNAB
log "cnab: bundle.json and a thick bundle"
rm -rf "$out/cnab"
mkdir -p "$out/cnab" "$tmp/thick/artifacts"
cat >"$out/cnab/bundle.pretty.json" <<'J'
{
  "schemaVersion": "v1.0.0",
  "name": "helloworld",
  "version": "0.1.0",
  "description": "A <short> & sweet bundle",
  "invocationImages": [
    {"imageType": "docker", "image": "localhost:5000/signy/helloworld-installer:0.1.0",
     "contentDigest": "sha256:0d4f6bc6d81a4b5ddf36c4b4dbd0a1a8d9ac5e2c4ad2d7ecf7d9e0b1d5b8d0a1", "size": 1337}
  ],
  "images": {"web": {"imageType": "docker", "image": "localhost:5000/signy/web:1.0", "description": "web server"}},
  "parameters": {"port": {"definition": "port", "destination": {"env": "PORT"}}},
  "definitions": {"port": {"type": "integer", "default": 8080, "minimum": 1.5e0}}
}
J
jcs "$out/cnab/bundle.pretty.json" "$out/cnab/bundle.json"
cp "$out/cnab/bundle.json" "$tmp/thick/bundle.json"
printf '{"placeholder":"image layout"}\n' >"$tmp/thick/artifacts/layout.json"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2026-01-01 -C "$tmp/thick" -cf - . |
  gzip -n >"$out/cnab/thick.tgz"
tgz=$out/cnab/thick.tgz
sha256sum "$tgz" | cut -d' ' -f1 >"$tgz.sha256"
sha512sum "$tgz" | cut -d' ' -f1 >"$tgz.sha512"
s256=$(openssl dgst -sha256 -r "$tgz" | cut -d' ' -f1)
s512=$(openssl dgst -sha512 -r "$tgz" | cut -d' ' -f1)
[[ $s256 == "$(cat "$tgz.sha256")" && $s512 == "$(cat "$tgz.sha512")" ]] || die "coreutils and openssl disagree"
printf '{"length":%s,"sha256":"%s","sha512":"%s"}\n' "$(stat -c %s "$tgz")" "$s256" "$s512" >"$out/cnab/digests.json"
cp "$out/cnab/digests.json" "$out/cnab/thick.digests.json"
scripts/gen-thick-fixtures.sh  # cnab/thick/: thick bundles with umoci-made OCI layouts (its README.md)

# ------------------------------------------------------------------------------ README
log "README"
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
keyrole() { sed -n 's/^role: //p' "$1"; }
trustlist() { # trustlist DIR: one line per key file, with its role and gun headers
  local f
  for f in "$1"/*.key; do
    local g
    g=$(sed -n 's/^gun: //p' "$f")
    printf -- '- `%s` — role `%s`, %s\n' "${f#"$out/notary/"}" "$(keyrole "$f")" "$(if [[ -n $g ]]; then echo "gun \`$g\`"; else echo "no gun header"; fi)"
  done
}
refusals=""
for alg in rsa ed25519; do
  [[ -f $out/notary/keygen/$alg.refused ]] &&
    refusals+="- \`notary key generate $alg --role targets -o ...\` was refused: \`$(tr '\n' ' ' <"$out/notary/keygen/$alg.refused" | sed 's/ *$//')\` (recorded in \`keygen/$alg.refused\`)
"
done
readme=$out/README.md
cat >"$readme" <<MD
# fixtures/

Known answers made by the real reference tools. **Never edit these files by hand:** run
\`scripts/gen-fixtures.sh\` (as root; it installs missing Debian packages and uses 127.0.0.1 only)
and commit the result. Keys, signatures, key IDs and timestamps change on every run; tests read
whatever the files say (\`intoto/keyids.txt\`, \`notary/PASSPHRASES\`, the metadata itself).
\`cjson/\` and \`cnab/\` are byte-identical from run to run.

Made with: notary $(ver notary), in-toto $(ver in-toto), python3-securesystemslib
$(ver python3-securesystemslib), golang $(go env GOVERSION) with golang-github-docker-go-dev
$(ver golang-github-docker-go-dev), npm canonicalize 2.1.0 on node $(node --version), OpenSSL
$(openssl version | cut -d' ' -f2), GNU coreutils $(ver coreutils).

Tests read them through \`SIGNY_FIXTURES\` (unit tests: \`fixture("notary/repo/root.json")\`) or
\`\$FIXTURES\` (shell tests), both set in \`tests/CMakeLists.txt\`.

## notary/ — notary-server and the notary CLI

Made by \`scripts/notary-harness.sh\` (notary-server on 127.0.0.1, TLS from a throw-away CA, memory
storage) and the \`notary\` CLI. Passphrases are fixed:

- \`PASSPHRASES\` — \`ROLE PASSPHRASE\` per line (root, targets, snapshot, targets/releases); the
  environment variables NOTARY_ROOT_PASSPHRASE, NOTARY_TARGETS_PASSPHRASE,
  NOTARY_SNAPSHOT_PASSPHRASE and NOTARY_DELEGATION_PASSPHRASE had these values. Used by
  \`tests/unit/keystore/test_keystore.cpp\` to decrypt every key in \`trust/\`.

### repo/ — GUN \`example.com/signy/fixture\`, server's local trust service

Steps: \`notary init\`; \`notary add\` \`v1.0\` and \`we<ird>&name/ü\`; \`publish\`;
\`notary key generate ecdsa --role targets/releases\` (into the trust dir; its public half taken
out with \`openssl pkey -pubout\`); \`notary delegation add ... targets/releases KEY.pem --all-paths\`;
\`publish\`; \`notary add ... v2.0 --roles targets/releases\`; \`publish\`. Then every role fetched with
\`curl --cacert\` from \`/v2/<GUN>/_trust/tuf/<role>.json\`: the bytes exactly as served.

- \`root.json\` — version 1. Root key: ecdsa x509 certificate for the GUN (\`ecdsa-x509\`);
  targets and snapshot keys: ecdsa, made by the CLI; timestamp key: **ed25519**, made by the
  server. Tests: parse/round-trip, key IDs, root certificate checks (\`test_notary_fixtures.cpp\`).
- \`targets.json\` — targets \`v1.0\` and \`we<ird>&name/ü\` (the name is written
  \`we\\u003cird\\u003e\\u0026name/ü\`: Go's HTML escaping) and the delegation \`targets/releases\`.
- \`targets/releases.json\` — the delegated role, signed by the ecdsa delegation key, target \`v2.0\`.
- \`snapshot.json\`, \`timestamp.json\` — as served after the last publish (the timestamp signed by
  the server, valid 14 days from the run; tests take "now" from inside it).
- \`content/v1.0\` (\`hello world\\n\`), \`content/weird\` (content of \`we<ird>&name/ü\`),
  \`content/v2.0\` (content of \`v2.0\` in targets/releases): the target files; their length and
  hashes are in the metadata.
- \`notary-list.txt\` — \`notary list\` by a second client with an empty trust dir (pulls and
  verifies everything: the repository is healthy).

### trust/ — the private keys the CLI wrote for repo/

Copies of \`<trustdir>/private/<keyid>.key\` (encrypted PKCS#8 PEM, \`role:\`/\`gun:\` headers; the
file name is the key ID). The root key ID here is the ID of the private key, not the certificate
key ID in root.json. Used by \`test_keystore.cpp\` (decode with the passphrase, refuse a wrong one,
key ID equals the file name).

$(trustlist "$out/notary/trust")

### rotated/ — GUN \`example.com/signy/rotated\`, root rotated once

\`notary init\`, \`add v1\` (\`content/v1\`), \`publish\`, then \`notary key rotate <GUN> root\`
(answers "yes" on stdin; the rotation publishes itself). Served files:

- \`1.root.json\` — the first root (\`GET .../1.root.json\`).
- \`2.root.json\` — the rotated root, signed by the old and the new root key
  (\`GET .../2.root.json\`); \`root.json\` — \`GET .../root.json\`, the same bytes.
- \`timestamp.json\`, \`snapshot.json\`, \`targets.json\` — as served after the rotation.
- \`notary-list.txt\` — \`notary list\` from an empty trust dir after the rotation.
- Used by \`test_notary_fixtures.cpp\` (root chain 1 → 2, then the other roles under root 2; a root
  from another repository is refused).

### keygen/ — \`notary key generate ALG --role targets -o keygen/targets-ALG\`

- \`targets-ecdsa.pem\` — the public key (PEM \`PUBLIC KEY\` with a \`role: targets\` header).
- \`targets-ecdsa-key.pem\` — the private key (encrypted PKCS#8, \`role: targets\` header); not
  stored in any trust dir. Its passphrase is in \`PASSPHRASE\`: \`$keygen_pass\` — notary 0.7 encrypts
  \`-o\` files with the passphrase it asks for under the delegation name
  (NOTARY_DELEGATION_PASSPHRASE), not the targets one, although the header says \`role: targets\`.
  For key import tests (PEM with headers, public and private).
$refusals
### signer-repo/ and signer-trust/ — the same repository with notary-signer

The same steps and GUN (\`example.com/signy/fixture\`) as \`repo/\`, on a fresh notary-server whose
trust service is a **notary-signer** (\`scripts/notary-harness.sh\` mode \`signer\`: gRPC on another
loopback port, mutual TLS, memory storage, key algorithm ecdsa). So the timestamp key in
\`signer-repo/root.json\` is **ecdsa**, made by the signer. Files as in \`repo/\`.
\`signer-trust/\` holds the CLI's private keys for it (same passphrases). For tests of the ecdsa
timestamp/snapshot path (\`tests/interop/notary_server.sh\` runs against a live signer instead):

$(trustlist "$out/notary/signer-trust")

## cjson/ — canonical JSON known answers

Each case is \`NAME.input.json\` (written by the script) and the tool's output for it:
\`NAME.canonical\` (the bytes) or \`NAME.error\` (the tool refused; its error text, no newline).

### cjson/notary/ — docker/go \`canonical/json\` (what Notary signs)

\`scripts/fixtures-cjson.go\`, built offline against Debian's golang-github-docker-go-dev: the input
is decoded with Go's \`encoding/json\` into \`interface{}\` (every number a float64), then
\`MarshalCanonical\`. Also \`NAME.envelope\`: \`encoding/json.Marshal\` of
\`{"signed": <canonical bytes as *json.RawMessage>, "signatures": [{"keyid","method","sig"}]}\` (fixed
dummy signature) — how a Notary metadata file looks on disk: compacted again, with \`<\` \`>\` \`&\`
U+2028 U+2029 escaped as \`\\u003c\` \`\\u003e\` \`\\u0026\` \`\\u2028\` \`\\u2029\`. Where
\`encoding/json\` refuses the canonical bytes (raw control characters in a string are not valid
JSON) the answer is \`NAME.envelope.error\`.

- \`keys_order\` — keys sorted by bytes (\`"10"\` < \`"9"\` < \`"B"\` < \`"Z"\` < \`"_type"\` < \`"a"\` ... < \`"é"\` < U+E000 < U+FFFF < U+1F600).
- \`escapes\` — only \`"\` and \`\\\` are escaped; tab, newline, CR, U+0001, U+001F, DEL, backspace,
  form feed and NUL are written raw. Its envelope is refused (\`escapes.envelope.error\`).
- \`html\` — \`<>&\`, U+2028/U+2029, non-ASCII and an emoji raw in the canonical form, escaped in the envelope.
- \`nested\`, \`empty_object\`, \`empty_array\`, \`literals\` — structure, \`{}\`, \`[]\`, true/false/null/"".
- \`integral_floats\` — \`1.0\`, \`1e3\`, \`1E2\`, \`2.5e1\`, \`-0.0\` ... become integers (\`-0.0\` → \`0\`).
- \`large_numbers\` — integral values beyond int64 (\`12345678901234567890\`, \`1e20\`) come out as
  \`-9223372036854775808\` (Go's float64 → int64 conversion on amd64), and \`9007199254740993\`
  as \`9007199254740992\` (float64 rounding): a Notary quirk, not something to imitate blindly.
- \`float_error\` — \`1.5\`: \`MarshalCanonical\` refuses non-integral numbers (\`float_error.error\`).

For the Notary canonical-form and Go HTML-escaping tests in \`tests/unit/cjson/\` (no test reads
this directory yet at the commit that added it).

### cjson/sslib/ — securesystemslib \`formats.encode_canonical\` (what in-toto signs)

Python (\`/usr/bin/python3\`, Debian's securesystemslib): \`json.load\` of the input, then
\`encode_canonical(value).encode("utf-8")\`. Same inputs as \`notary/\` (\`keys_order\`, \`escapes\`,
\`html\`, \`nested\`, \`empty_object\`, \`empty_array\`, \`literals\`, \`float_error\`), plus:

- \`numbers\` — integers, \`12345678901234567890\` (beyond int64, within uint64) as written.
- \`big_integers\` — integers beyond both int64 and uint64 (\`-12345678901234567890\`,
  \`123456789012345678901234567890\`, ...): Python writes them as they are.
- \`integral_float_error\` — \`[1.0]\`: even an integral float is refused (like \`float_error\`, \`1.5\`).

Key order is by code point (U+FFFF before U+1F600); only \`"\` and \`\\\` are escaped, NUL and
other control characters are raw. \`tests/unit/cjson/test_vectors.cpp\` checks \`keys_order\`,
\`escapes\`, \`numbers\`, \`literals\`.

### cjson/jcs/ — RFC 8785 by the npm \`canonicalize\` package (what cnab-go uses for bundle.json)

\`canonicalize@2.1.0\` (by the RFC's author) on \`JSON.parse\` of the input, written as UTF-8.

- \`numbers\` — ECMAScript number formatting: \`1.0\` → \`1\`, \`1e21\` → \`1e+21\`, \`1e-7\` → \`1e-7\`,
  \`-0\` → \`0\`, \`5e-324\`, \`12345678901234567890\` → \`12345678901234567000\`, ...
- \`strings\` — control characters as \`\\b \\t \\n \\f \\r\` or \`\\u001f\` (lowercase hex), \`<>&\`,
  U+2028 and DEL raw; keys sorted by UTF-16 code units (U+1F600 before U+E000).
- \`keys_order\` — UTF-16 order: \`"10"\` \`"9"\` \`"B"\` \`"_type"\` \`"a"\` \`"é"\` U+1F600 U+E000 U+FFFF.
- \`html\` — \`<short> & sweet\` and U+2028/U+2029 raw, nested arrays and objects.

\`tests/unit/cjson/test_vectors.cpp\` checks \`numbers\` and \`strings\`.

## intoto/ — in-toto $(ver in-toto)

- \`rsa\`, \`rsa.pub\`, \`ed25519\`, \`ed25519.pub\`, \`ecdsa\`, \`ecdsa.pub\` — \`in-toto-keygen -t TYPE NAME\`
  (RSA 3072 bits). Unencrypted private files as securesystemslib writes them: \`rsa\` is a PKCS#1
  PEM (\`BEGIN RSA PRIVATE KEY\`), \`ed25519\` and \`ecdsa\` are JSON key dicts (keyval.private: hex
  for ed25519, a PEM for ecdsa); the \`.pub\` files are JSON key dicts without the private part.
- \`rsa-enc\`, \`rsa-enc.pub\`, \`ed25519-enc\`, \`ed25519-enc.pub\` — \`in-toto-keygen -p -t TYPE NAME\`
  with the password **\`fixture-intoto-pass\`** (typed into its terminal prompt by
  \`scripts/fixtures-feedpw.py\`): \`rsa-enc\` is a legacy-encrypted PKCS#1 PEM (\`Proc-Type:
  4,ENCRYPTED\`, AES-256-CBC), \`ed25519-enc\` is securesystemslib's own encrypted format
  (\`salt@@@@iterations@@@@hmac@@@@iv@@@@ciphertext\`, PBKDF2 + AES-256-CTR).
- \`keyids.txt\` — \`NAME KEYID\` per line, as securesystemslib computes them: \`rsa\`, \`ed25519\`,
  \`ecdsa\`, \`rsa-enc\`, \`ed25519-enc\`, and \`ecdsa-without-trailing-newline\`: the key ID of the
  same ecdsa public key imported from its PEM without the trailing newline (the key ID hashes
  the PEM text, newline included: the trailing-newline trap).
- \`work/src/main.c\` — the material; \`work/out/main.c\` — the product.
- \`build.<keyid8>.link\` — \`in-toto-run -n build -k KEY -t TYPE -m src -p out -- sh -c '$cmd'\`
  in \`work/\`, once per key type (rsa, ed25519, ecdsa); \`build-rsa.link\`, \`build-ed25519.link\`,
  \`build-ecdsa.link\` — the same bytes under their key type's name.
- \`root.layout\` — made with the in_toto Python API (\`Layout\`, \`Step\`, \`Inspection\`), expires
  2036-01-01T00:00:00Z: step \`build\` (the three keys, threshold 1, materials \`src/*\`, product
  \`out/main.c\`), inspection \`check-product\` (\`test -f out/main.c\`, which must MATCH the build
  products); signed by \`in-toto-sign -f root.layout -k rsa -t rsa\`.
- \`verify.txt\` — the record: \`in-toto-verify --layout root.layout --layout-keys rsa.pub\` in a copy of \`work/\`
  with the layout and links: exit status 0 (the script fails otherwise), and refused once
  \`out/main.c\` is tampered with.
- \`chains/\` — supply chains (keys, layouts, links, artifacts) and in-toto-verify's verdict on each
  (\`scripts/gen-intoto-chains.sh\`, described in \`chains/README.md\`).

Used by \`tests/unit/crypto/test_sslib_fixtures.cpp\` (key loading, key IDs, link signatures,
encrypted keys) and \`tests/interop/intoto.sh\` (signy verifies these, in-toto-verify accepts what
signy signs).

## cnab/ — bundles

- \`bundle.pretty.json\` — a thin bundle (one invocation image, one image, a parameter and its
  definition, description \`A <short> & sweet bundle\`), pretty-printed: not canonical.
- \`bundle.json\` — the same content in RFC 8785 form, by npm \`canonicalize\` (as cnab-go writes it).
- \`thick.tgz\` — a thick bundle: gzip of a tar (GNU tar, sorted, mtime and owner fixed, so it is
  the same every run) of \`./bundle.json\` and \`./artifacts/layout.json\` (a placeholder).
  The known digests of \`signy digest\`; \`verify --thick\` refuses it (no OCI layout, an unpinned
  image): sign/verify tests use \`thick/good.tgz\`.
- \`thick.tgz.sha256\`, \`thick.tgz.sha512\` — hex digests from \`sha256sum\` / \`sha512sum\`.
- \`digests.json\` — \`{"length","sha256","sha512"}\` of thick.tgz (\`stat\`, \`openssl dgst\`, checked
  equal to coreutils); \`thick.digests.json\` — the same bytes (the name \`tests/cli/digest_bundle.sh\` reads).

- \`thick/\` — thick bundles whose images are OCI layouts made by umoci (\`scripts/gen-thick-fixtures.sh\`,
  described in \`thick/README.md\`).

Used by \`tests/unit/cjson/test_vectors.cpp\`, \`tests/cli/digest_bundle.sh\`, \`tests/cli/sign_verify.sh\`,
\`scripts/demo.sh\`.
MD

# ------------------------------------------------------------------------------ summary
echo "fixtures regenerated in $((SECONDS - started)) s:"
(cd "$root" && find fixtures -type f | sort | while read -r f; do printf '  %8d  %s\n' "$(stat -c %s "$f")" "$f"; done)
echo "notary repo (example.com/signy/fixture, local trust service):"
sed 's/^/  /' "$out/notary/repo/notary-list.txt"
echo "notary rotated root: $(grep -o '"version":[0-9]*' "$out/notary/rotated/2.root.json" | tail -1)"
echo "notary key generate refused:${refused:- none}"
echo "in-toto-verify: passed (fixtures/intoto/verify.txt)"
