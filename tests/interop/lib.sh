# Shared helpers for the interop scripts (sourced). Each script runs in its own temp dir.
set -euo pipefail
: "${SIGNY:?SIGNY must point at the signy binary}"
: "${FIXTURES:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures" && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }
die() { echo "FAILED: $*" >&2; exit 1; }
# expect_fail CODE MESSAGE-SUBSTRING -- command...: the command must exit CODE and say MESSAGE.
expect_fail() {
  local code=$1 msg=$2; shift 3
  local out rc=0
  out=$("$@" 2>&1 >/dev/null) || rc=$?
  [[ $rc == "$code" ]] || die "expected exit $code, got $rc from: $* ($out)"
  [[ $out == *"$msg"* ]] || die "expected \"$msg\" in: $out"
  [[ $(printf '%s\n' "$out" | wc -l) == 1 ]] || die "error is not one line: $out"
  [[ $out == "signy: "* ]] || die "error does not start with 'signy: ': $out"
}
require() { command -v "$1" >/dev/null || die "$1 is not installed (scripts/deps.sh test installs it)"; }
# make_thick OUT [SEED]: a valid thick bundle (cnab-spec 104) for sign/verify: without SEED the
# bytes of fixtures/cnab/thick/good.tgz (2 images in artifacts/layout), with SEED the same entries
# plus artifacts/seed.txt holding SEED, so each SEED gives other bytes (and digests), the same on
# every run (tar and gzip headers with fixed times). The gzip stream is stored (level 0): SEEDs
# of the same length give bundles of the same length, which only their hashes tell apart.
make_thick() {
  local out=$1 seed=${2-}
  if [[ -z $seed ]]; then
    cp "$FIXTURES/cnab/thick/good.tgz" "$out"
    return
  fi
  thick_plus "$out" "$seed" <<'PY'
data = (args[0] + "\n").encode()
m = tarfile.TarInfo("artifacts/seed.txt")
m.size, m.mtime, m.mode = len(data), 1767225600, 0o644
dst.addfile(m, io.BytesIO(data))
PY
}
# thick_plus OUT [ARG...] <<'PY' ... PY: a thick bundle OUT holding the entries of
# fixtures/cnab/thick/good.tgz, then what the Python code on stdin adds to the tar file `dst`
# (PAX format; `args` holds the ARGs; io and tarfile imported). The gzip stream is stored (level 0,
# mtime 0): the same additions give the same bytes on every run.
thick_plus() {
  local out=$1 code
  shift
  code=$(cat)
  python3 - "$FIXTURES/cnab/thick/good.tgz" "$out" "$code" "$@" <<'PY'
import gzip, io, sys, tarfile
good, out, code, *args = sys.argv[1:]
buf = io.BytesIO()
with tarfile.open(good, "r:gz") as src, tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as dst:
    for m in src.getmembers():
        dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    exec(code, {"dst": dst, "args": args, "io": io, "tarfile": tarfile})
with open(out, "wb") as f:
    f.write(gzip.compress(buf.getvalue(), compresslevel=0, mtime=0))
PY
}

# start_servers: notary-server (TLS, local signer: $NOTARY_URL, $NOTARY_CA) and a plain HTTP
# docker-registry ($OCIREG), both on loopback, for the scripts that need the two
# (scripts/notary-harness.sh, scripts/registry-harness.sh). On exit the pids in exit_pids (helpers
# the script started, e.g. a proxy) are killed, both servers stopped (the registry's log tail on
# failure) and $work removed.
exit_pids=()
start_servers() {
  source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
  source "${SOURCE_DIR:?}/scripts/registry-harness.sh"
  trap 'rc=$?; ((${#exit_pids[@]} == 0)) || kill "${exit_pids[@]}" 2>/dev/null; notary_harness_stop; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
  notary_harness_start "$work/server" local >/dev/null
  registry_harness_start "$work/registry" plain >/dev/null || die "registry did not start"
}

# push_app_images REPO: two small images (umoci, seeds 1 and 2) pushed to the registry as
# REPO:inv (OCI) and REPO:web (Docker schema 2); sets d1 s1 t1 and d2 s2 t2 (digest, size, media
# type as the registry reports them).
push_app_images() {
  registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci"
  registry_harness_image "$work/l2" b 2 >/dev/null 2>&1 || die "umoci"
  read -r _ d1 s1 t1 < <(registry_harness_push "$work/l1" a "$1:inv") || die "push"
  read -r _ d2 s2 t2 < <(registry_harness_push "$work/l2" b "$1:web" v2s2) || die "push"
}
# app_bundle REPO: prints the canonical thin bundle.json (RFC 8785; ASCII only) naming the images
# of push_app_images REPO: REPO:inv the invocation image, REPO:web the component "web".
app_bundle() {
  printf '{"description":"","images":{"web":{"contentDigest":"%s","description":"web","image":"%s/%s:web","imageType":"docker","mediaType":"%s","size":%d}},"invocationImages":[{"contentDigest":"%s","image":"%s/%s:inv","imageType":"oci","mediaType":"%s","size":%d}],"name":"app","schemaVersion":"v1.0.0","version":"0.1.0"}' \
    "$d2" "$OCIREG" "$1" "$t2" "$s2" "$d1" "$OCIREG" "$1" "$t1" "$s1"
}

# one_image_bundle OUT NAME IMAGE DIGEST SIZE MEDIATYPE: a canonical thin bundle.json (RFC 8785;
# ASCII only) named NAME whose one invocation image is IMAGE (NAME gives other bytes).
one_image_bundle() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
out, name, ref, d, s, t = sys.argv[1:]
b = {"schemaVersion": "v1.0.0", "name": name, "version": "0.1.0",
     "invocationImages": [{"imageType": "oci", "image": ref, "contentDigest": d, "size": int(s), "mediaType": t}]}
open(out, "w").write(json.dumps(b, sort_keys=True, separators=(",", ":")))
PY
}

# package_layout: in the current directory, ed25519 keys "owner" (the layout key) and "packager"
# made by in-toto-keygen, and root.layout signed by owner: step "package" (run by packager, its
# products the bundle: CREATE *, DISALLOW *) and inspection "check" whose materials (the
# inspection's private directory: the bundle alone) must be exactly that product.
package_layout() {
  in-toto-keygen -t ed25519 owner >/dev/null 2>&1 </dev/null || die "keygen"
  in-toto-keygen -t ed25519 packager >/dev/null 2>&1 </dev/null || die "keygen"
  /usr/bin/python3 - packager.pub <<'PY' || die "layout"
import json, sys
from in_toto.models.layout import Layout, Step, Inspection
from in_toto.models.metadata import Metablock
import securesystemslib.keys as k
pub = json.load(open(sys.argv[1]))
pub["keyid"] = kid = k._get_keyid(pub["keytype"], pub["scheme"], pub["keyval"])
step = Step(name="package", expected_materials=[], expected_products=[["CREATE", "*"], ["DISALLOW", "*"]],
            pubkeys=[kid], expected_command=["true"], threshold=1)
insp = Inspection(name="check", run=["true"],
                  expected_materials=[["MATCH", "*", "WITH", "PRODUCTS", "FROM", "package"], ["DISALLOW", "*"]],
                  expected_products=[["ALLOW", "*"]])
Metablock(signed=Layout(expires="2036-01-01T00:00:00Z", steps=[step], inspect=[insp], keys={kid: pub})).dump("root.layout")
PY
  in-toto-sign -f root.layout -k owner -t ed25519 >/dev/null || die "in-toto-sign layout"
}
# chain ARTIFACT LINKDIR: LINKDIR holds only the packager's link for ARTIFACT (its product, by its
# base name), made by in-toto-run with the key package_layout made in $work.
chain() {
  local art=$1 dir=$2 tmp
  tmp=$(mktemp -d "$work/run.XXXX")
  cp "$art" "$tmp/"
  (cd "$tmp" && in-toto-run -n package -k "$work/packager" -t ed25519 -p "$(basename "$art")" -- true >/dev/null 2>&1) || die "in-toto-run"
  rm -rf "$dir" && mkdir -p "$dir" && mv "$tmp"/package.*.link "$dir/"
}
