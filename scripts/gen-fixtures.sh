#!/usr/bin/env bash
# Regenerates fixtures/ with the real reference tools (never by hand):
#   fixtures/notary/  metadata served by notary-server 0.7 and written by the notary CLI, and its keys
#   fixtures/intoto/  keys from securesystemslib/in-toto-keygen, links from in-toto-run, a layout,
#                     all checked with in-toto-verify
#   fixtures/cjson/   securesystemslib encode_canonical and RFC 8785 (npm "canonicalize") vectors
#   fixtures/cnab/    a canonical bundle.json (RFC 8785, as cnab-go writes it) and a thick bundle
# Needs the Debian packages notary, in-toto, curl, openssl, nodejs/npm (npm registry for
# "canonicalize"). Loopback only. Timestamps and keys change on every run; tests read whatever
# the files say.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/fixtures
py=/usr/bin/python3  # the Debian python with in_toto and securesystemslib
tmp=$(mktemp -d)
source scripts/notary-harness.sh
trap 'notary_harness_stop; rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- notary
rm -rf "$out/notary"
mkdir -p "$out/notary/repo/content" "$out/notary/trust"
notary_harness_start "$tmp/server"
gun=example.com/signy/fixture
export NOTARY_ROOT_PASSPHRASE=fixture-root-pass NOTARY_TARGETS_PASSPHRASE=fixture-targets-pass \
       NOTARY_SNAPSHOT_PASSPHRASE=fixture-snapshot-pass NOTARY_DELEGATION_PASSPHRASE=fixture-delegation-pass
n() { notary -d "$tmp/trust" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
printf 'hello world\n' >"$out/notary/repo/content/v1.0"
printf 'release bundle\n' >"$out/notary/repo/content/v2.0"
n init "$gun" >/dev/null
n add "$gun" v1.0 "$out/notary/repo/content/v1.0" >/dev/null
n add "$gun" 'we<ird>&name/ü' "$out/notary/repo/content/v1.0" >/dev/null
n publish "$gun" >/dev/null
# The delegation key goes into notary's store; its public half is taken out with openssl.
rel_id=$(notary -d "$tmp/trust" key generate ecdsa --role targets/releases 2>/dev/null | awk '{print $NF}')
sed '/^[a-z]*: /d;/^$/d' "$tmp/trust/private/$rel_id.key" |
  openssl pkey -passin pass:"$NOTARY_DELEGATION_PASSPHRASE" -pubout -out "$tmp/releases.pem"
n delegation add "$gun" targets/releases "$tmp/releases.pem" --all-paths >/dev/null
n publish "$gun" >/dev/null
n add "$gun" v2.0 "$out/notary/repo/content/v2.0" --roles targets/releases >/dev/null
n publish "$gun" >/dev/null
get() { curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$1/_trust/tuf/$2" -o "$3"; }
for role in root targets snapshot timestamp; do get "$gun" "$role.json" "$out/notary/repo/$role.json"; done
mkdir -p "$out/notary/repo/targets"
get "$gun" targets/releases.json "$out/notary/repo/targets/releases.json"
cp "$tmp"/trust/private/*.key "$out/notary/trust/"
n list "$gun" >"$out/notary/repo/notary-list.txt"
cat >"$out/notary/PASSPHRASES" <<TXT
root fixture-root-pass
targets fixture-targets-pass
snapshot fixture-snapshot-pass
targets/releases fixture-delegation-pass
TXT

# A rotated root: every version as served by version number.
rgun=example.com/signy/rotated
mkdir -p "$out/notary/rotated"
n init "$rgun" >/dev/null
n add "$rgun" v1 "$out/notary/repo/content/v1.0" >/dev/null
n publish "$rgun" >/dev/null
echo yes | n key rotate "$rgun" root >/dev/null 2>&1
n publish "$rgun" >/dev/null 2>&1 || true
get "$rgun" 1.root.json "$out/notary/rotated/1.root.json"
get "$rgun" 2.root.json "$out/notary/rotated/2.root.json"
for role in timestamp snapshot targets; do get "$rgun" "$role.json" "$out/notary/rotated/$role.json"; done
notary_harness_stop

# ---------------------------------------------------------------- in-toto
rm -rf "$out/intoto"
mkdir -p "$out/intoto"
cd "$out/intoto"
"$py" - <<'PY'
from securesystemslib import interface as i
i.generate_and_write_unencrypted_rsa_keypair(filepath="rsa", bits=2048)
i.generate_and_write_unencrypted_ed25519_keypair(filepath="ed25519")
i.generate_and_write_unencrypted_ecdsa_keypair(filepath="ecdsa")
i.generate_and_write_rsa_keypair(password="fixture-intoto-pass", filepath="rsa-enc", bits=2048)
i.generate_and_write_ed25519_keypair(password="fixture-intoto-pass", filepath="ed25519-enc")
PY
mkdir -p work/src
printf 'int main() { return 0; }\n' >work/src/main.c
(cd work && for t in rsa ed25519 ecdsa; do
  in-toto-run -n build -k "../$t" -t "$t" -m src -p out -- sh -c "mkdir -p out && cp src/main.c out/main.c" >/dev/null
  mv build.*.link "../build-$t.link"
done)
"$py" - <<'PY'
import json
from securesystemslib import interface as i, keys, formats
from in_toto.models.layout import Layout, Step
from in_toto.models.metadata import Metablock
pubs = [i.import_rsa_publickey_from_file("rsa.pub"),
        i.import_ed25519_publickey_from_file("ed25519.pub"),
        i.import_ecdsa_publickey_from_file("ecdsa.pub")]
step = Step(name="build", expected_materials=[["ALLOW", "src/*"], ["DISALLOW", "*"]],
            expected_products=[["ALLOW", "out/*"], ["DISALLOW", "*"]], threshold=1)
step.pubkeys = [k["keyid"] for k in pubs]
layout = Layout(expires="2036-01-01T00:00:00Z", steps=[step], keys={k["keyid"]: k for k in pubs})
mb = Metablock(signed=layout)
mb.sign(i.import_rsa_privatekey_from_file("rsa"))
mb.dump("root.layout")
with open("keyids.txt", "w") as f:
    for name, k in zip(["rsa", "ed25519", "ecdsa"], pubs):
        f.write(f"{name} {k['keyid']}\n")
    ec = keys.import_ecdsakey_from_pem(open("ecdsa.pub").read() and json.load(open("ecdsa.pub"))["keyval"]["public"].strip())
    f.write(f"ecdsa-without-trailing-newline {ec['keyid']}\n")
vec = {"keys_order": {"\U0001F600": 2, "\uffff": 1, "Z": 0, "a": 0, "_type": 0, "é": "é", "e": "😀"},
       "escapes": {"x": "quote\" back\\ slash/ nl\n tab\t cr\r nul\u0000 del\u007f <&> \u2028"},
       "numbers": [-1, 0, 12345678901234567890, [], {}], "literals": [True, False, None, ""]}
import os
os.makedirs("../cjson/sslib", exist_ok=True)
for name, v in vec.items():
    json.dump(v, open(f"../cjson/sslib/{name}.input.json", "w"))
    open(f"../cjson/sslib/{name}.canonical", "wb").write(formats.encode_canonical(v).encode("utf-8"))
PY
# The layout verifies with the reference verifier over these links (each step link for every key).
(cd work && cp ../build-rsa.link "build.$(awk '/^rsa /{print substr($2,1,8)}' ../keyids.txt).link" &&
  in-toto-verify --layout ../root.layout --layout-keys ../rsa.pub >/dev/null && rm -f build.*.link)
rm -rf work/out
cd "$root"

# ---------------------------------------------------------------- RFC 8785 (npm canonicalize)
npm install --silent --no-audit --no-fund --prefix "$tmp/npm" canonicalize@2 >/dev/null
export NODE_PATH=$tmp/npm/node_modules
mkdir -p "$out/cjson/jcs"
cat >"$out/cjson/jcs/numbers.input.json" <<'J'
[1.0, 1e16, 1e21, 1e-7, -0, 0.1, 123.456, 5e-324, 1e-6, 100, 12345678901234567890, 1.7976931348623157e308]
J
cat >"$out/cjson/jcs/strings.input.json" <<'J'
{"\ue000":1,"\ud83d\ude00":2,"a\u001f\n<&>\u2028\u007f":3,"b":"\u0000\b\f\t\"\\/"}
J
for f in "$out"/cjson/jcs/*.input.json; do
  node -e 'const c=require("canonicalize");const fs=require("fs");process.stdout.write(c(JSON.parse(fs.readFileSync(process.argv[1],"utf8"))))' "$f" >"${f%.input.json}.canonical"
done

# ---------------------------------------------------------------- CNAB
rm -rf "$out/cnab"
mkdir -p "$out/cnab/thick/artifacts"
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
node -e 'const c=require("canonicalize");const fs=require("fs");process.stdout.write(c(JSON.parse(fs.readFileSync(process.argv[1],"utf8"))))' \
  "$out/cnab/bundle.pretty.json" >"$out/cnab/bundle.json"
cp "$out/cnab/bundle.json" "$out/cnab/thick/bundle.json"
printf '{"placeholder":"image layout"}\n' >"$out/cnab/thick/artifacts/layout.json"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2026-01-01 -C "$out/cnab/thick" -cf - . | gzip -n >"$out/cnab/thick.tgz"
rm -rf "$out/cnab/thick"
len=$(stat -c %s "$out/cnab/thick.tgz")
s256=$(sha256sum "$out/cnab/thick.tgz" | cut -d' ' -f1)
s512=$(openssl dgst -sha512 -r "$out/cnab/thick.tgz" | cut -d' ' -f1)
printf '{"length":%s,"sha256":"%s","sha512":"%s"}\n' "$len" "$s256" "$s512" >"$out/cnab/thick.digests.json"
echo "fixtures regenerated:"; find "$out" -type f | sed "s|$root/||" | sort
