#!/usr/bin/env bash
# Regenerates fixtures/intoto/chains/ with the reference tools (Debian in-toto 1.3.1), never by
# hand: keys from in-toto-keygen, links from in-toto-run, layouts built with the in_toto Python API
# and signed by in-toto-sign, and for every case the verdict of in-toto-verify, recorded by running
# it (fixtures/intoto/chains/README.md, which this script also writes, describes every case).
#
# Usage (from anywhere in a clone): scripts/gen-intoto-chains.sh
# Needs in-toto, python3, tar and gzip (as root it installs in-toto when missing). Keys,
# signatures and the recorded time change on every run; tests read whatever the files say.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/fixtures/intoto/chains
py=/usr/bin/python3 # Debian's python, which has in_toto and securesystemslib

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'gen-intoto-chains: %s\n' "$*" >&2; exit 1; }

if ! command -v in-toto-verify >/dev/null; then
  [[ $(id -u) == 0 ]] || die "in-toto is not installed (apt-get install in-toto)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends in-toto >/dev/null
fi

base=/tmp
[[ -d /dev/shm && -w /dev/shm ]] && base=/dev/shm
tmp=$(mktemp -d "$base/signy-chains.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rm -rf "$out"
mkdir -p "$out/keys"
keys=$out/keys

# ------------------------------------------------------------------------------ keys
log "keys: owner (rsa, signs the layouts), alice (ed25519), bob (ecdsa), carol (ed25519), mallory (ed25519, never authorized)"
in-toto-keygen -t rsa "$keys/owner" >/dev/null
in-toto-keygen -t ed25519 "$keys/alice" >/dev/null
in-toto-keygen -t ecdsa "$keys/bob" >/dev/null
in-toto-keygen -t ed25519 "$keys/carol" >/dev/null
in-toto-keygen -t ed25519 "$keys/mallory" >/dev/null
declare -A ktype=([owner]=rsa [alice]=ed25519 [bob]=ecdsa [carol]=ed25519 [mallory]=ed25519)
"$py" - "$keys" <<'PY'
import sys
from securesystemslib import interface as i
d = sys.argv[1]
with open(f"{d}/keyids.txt", "w") as f:
    f.write(f"owner {i.import_rsa_publickey_from_file(d + '/owner.pub')['keyid']}\n")
    for n in ["alice", "carol", "mallory"]:
        f.write(f"{n} {i.import_ed25519_publickey_from_file(f'{d}/{n}.pub')['keyid']}\n")
    f.write(f"bob {i.import_ecdsa_publickey_from_file(d + '/bob.pub')['keyid']}\n")
PY
kid() { awk -v n="$1" '$1 == n { print $2 }' "$keys/keyids.txt"; }
k8() { kid "$1" | cut -c1-8; }

# ------------------------------------------------------------------------------ layouts
# The commands the functionaries run (and the layouts expect); the tar is reproducible, so two
# functionaries packaging the same foo.py produce the same foo.tar.gz.
WRITE='printf "print(\"hello\")\n" >foo.py'
TAR='tar --sort=name --mtime=2026-01-01 --owner=0 --group=0 --numeric-owner -cf - foo.py | gzip -n >foo.tar.gz'
log "layouts (in_toto Python API; signed below by in-toto-sign)"
mkdir -p "$tmp/layouts"
"$py" - "$keys" "$tmp/layouts" "$WRITE" "$TAR" <<'PY'
import sys
from securesystemslib import interface as i
from in_toto.models.layout import Inspection, Layout, Step
from in_toto.models.metadata import Metablock
kd, outdir, write, tar = sys.argv[1:5]
pub = {n: i.import_ed25519_publickey_from_file(f"{kd}/{n}.pub") for n in ["alice", "carol", "mallory"]}
pub["bob"] = i.import_ecdsa_publickey_from_file(f"{kd}/bob.pub")
ids = {n: k["keyid"] for n, k in pub.items()}

def write_code():
    return Step(name="write-code", pubkeys=[ids["alice"]], expected_command=["sh", "-c", write],
                expected_materials=[], expected_products=[["CREATE", "foo.py"], ["DISALLOW", "*"]])

def package(who=("bob",), threshold=1, command=None):
    return Step(name="package", pubkeys=[ids[w] for w in who], threshold=threshold,
                expected_command=command or ["sh", "-c", tar],
                expected_materials=[["MATCH", "foo.py", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
                expected_products=[["CREATE", "foo.tar.gz"], ["DISALLOW", "*"]])

# Run by in-toto-verify in its working directory, which holds the artifacts under verification.
untar = Inspection(name="untar", run=["tar", "xzf", "foo.tar.gz"],
                   expected_materials=[["MATCH", "foo.tar.gz", "WITH", "PRODUCTS", "FROM", "package"],
                                       ["DISALLOW", "foo.tar.gz"]],
                   expected_products=[["MATCH", "foo.py", "WITH", "PRODUCTS", "FROM", "write-code"],
                                      ["DISALLOW", "foo.py"]])
fails = Inspection(name="fails", run=["false"], expected_materials=[], expected_products=[])

def layout(name, steps, inspect=(untar,), keys=("alice", "bob"), expires="2036-01-01T00:00:00Z"):
    l = Layout(expires=expires, steps=list(steps), inspect=list(inspect),
               keys={ids[k]: pub[k] for k in keys}, readme=f"signy chain fixture {name}")
    Metablock(signed=l).dump(f"{outdir}/{name}.layout")

layout("root", [write_code(), package()])
layout("expired", [write_code(), package()], expires="2000-01-01T00:00:00Z")
layout("two-packagers", [write_code(), package(("bob", "carol"), threshold=2)], keys=("alice", "bob", "carol"))
layout("either-packager", [write_code(), package(("bob", "carol"), threshold=1)], keys=("alice", "bob", "carol"))
layout("other-command", [write_code(), package(command=["tar", "czf", "foo.tar.gz", "foo.py"])])
layout("with-failing-inspection", [write_code(), package()], inspect=(untar, fails))
# bob's sublayout for the step "package": carol packs; an inspection of its own.
pack = Step(name="pack", pubkeys=[ids["carol"]], expected_command=["sh", "-c", tar],
            expected_materials=[["ALLOW", "foo.py"], ["DISALLOW", "*"]],
            expected_products=[["CREATE", "foo.tar.gz"], ["DISALLOW", "*"]])
listing = Inspection(name="list-package", run=["tar", "tzf", "foo.tar.gz"],
                     expected_materials=[["MATCH", "foo.tar.gz", "WITH", "PRODUCTS", "FROM", "pack"],
                                         ["DISALLOW", "foo.tar.gz"]],
                     expected_products=[])
layout("sub", [pack], inspect=(listing,), keys=("carol",))
layout("sub-expired", [pack], inspect=(listing,), keys=("carol",), expires="2000-01-01T00:00:00Z")
PY

sign() { # sign LAYOUT KEYNAME: in-toto-sign replaces the signatures, in place
  in-toto-sign -f "$1" -k "$keys/$2" -t "${ktype[$2]}" >/dev/null
  in-toto-sign -f "$1" -k "$keys/$2.pub" -t "${ktype[$2]}" --verify >/dev/null || die "in-toto-sign --verify refused $1"
}
for l in root expired two-packagers either-packager other-command with-failing-inspection; do sign "$tmp/layouts/$l.layout" owner; done
cp "$tmp/layouts/root.layout" "$tmp/layouts/mallory-signed.layout"
sign "$tmp/layouts/mallory-signed.layout" mallory
sign "$tmp/layouts/sub.layout" bob
sign "$tmp/layouts/sub-expired.layout" bob
cp "$tmp/layouts/sub.layout" "$tmp/layouts/sub-by-carol.layout"
sign "$tmp/layouts/sub-by-carol.layout" carol

# ------------------------------------------------------------------------------ links
# run WORKDIR STEP KEY [in-toto-run options...] -- CMD...: a signed link in WORKDIR
run() {
  local dir=$1 step=$2 key=$3
  shift 3
  (cd "$dir" && in-toto-run -n "$step" -k "$keys/$key" -t "${ktype[$key]}" "$@" >/dev/null) ||
    die "in-toto-run $step by $key failed"
  [[ -f $dir/$step.$(k8 "$key").link ]] || die "in-toto-run wrote no $step link for $key"
}
log "links (in-toto-run)"
w=$tmp/work
mkdir -p "$w/good" "$w/carol" "$w/mallory" "$w/other" "$w/junk" "$w/changed" "$w/sub"
run "$w/good" write-code alice -p foo.py -- sh -c "$WRITE"
mkdir -p "$w/renamed" && run "$w/renamed" writing alice -p foo.py -- sh -c "$WRITE"
for d in carol mallory other junk changed sub; do cp "$w/good/foo.py" "$w/$d/"; done
run "$w/good" package bob -m foo.py -p foo.tar.gz -- sh -c "$TAR"
run "$w/carol" package carol -m foo.py -p foo.tar.gz -- sh -c "$TAR"
run "$w/mallory" package mallory -m foo.py -p foo.tar.gz -- sh -c "$TAR"
run "$w/other" package bob -m foo.py -p foo.tar.gz -- tar czf foo.tar.gz foo.py
run "$w/sub" pack carol -m foo.py -p foo.tar.gz -- sh -c "$TAR"
run "$w/junk" pack carol -m foo.py -p foo.tar.gz junk -- sh -c "$TAR && echo junk >junk"
printf 'print("changed")\n' >"$w/changed/foo.py"
run "$w/changed" package bob -m foo.py -p foo.tar.gz -- sh -c "$TAR"
printf 'print("different")\n' >"$w/carol-differs.py"
mkdir -p "$w/carol-differs" && cp "$w/carol-differs.py" "$w/carol-differs/foo.py"
run "$w/carol-differs" package carol -m foo.py -p foo.tar.gz -- sh -c "$TAR"
cmp -s "$w/good/foo.tar.gz" "$w/carol/foo.tar.gz" || die "the package step is not reproducible"

A=$(k8 alice) B=$(k8 bob) C=$(k8 carol) M=$(k8 mallory)
wc_link=$w/good/write-code.$A.link

# case NAME LAYOUT: a case directory with its signed layout; links/ and artifacts/ are filled below
case_dir() {
  mkdir -p "$out/$1/links" "$out/$1/artifacts"
  cp "$tmp/layouts/$2.layout" "$out/$1/root.layout"
  cp "$wc_link" "$out/$1/links/"
}
good_links() { cp "$w/good/package.$B.link" "$out/$1/links/"; cp "$w/good/foo.tar.gz" "$out/$1/artifacts/"; }

log "cases"
case_dir good root && good_links good
case_dir tampered-product root && good_links tampered-product
cp "$w/changed/foo.tar.gz" "$out/tampered-product/artifacts/foo.tar.gz" # not what package produced
case_dir missing-link root && cp "$w/good/foo.tar.gz" "$out/missing-link/artifacts/"
case_dir unauthorized root && cp "$w/mallory/package.$M.link" "$out/unauthorized/links/" &&
  cp "$w/good/foo.tar.gz" "$out/unauthorized/artifacts/"
case_dir unauthorized-renamed root && cp "$w/mallory/package.$M.link" "$out/unauthorized-renamed/links/package.$B.link" &&
  cp "$w/good/foo.tar.gz" "$out/unauthorized-renamed/artifacts/"
case_dir below-threshold two-packagers && good_links below-threshold
case_dir threshold-pass two-packagers && good_links threshold-pass && cp "$w/carol/package.$C.link" "$out/threshold-pass/links/"
case_dir threshold-disagree two-packagers && good_links threshold-disagree &&
  cp "$w/carol-differs/package.$C.link" "$out/threshold-disagree/links/"
case_dir extra-invalid-link either-packager && good_links extra-invalid-link &&
  cp "$w/mallory/package.$M.link" "$out/extra-invalid-link/links/package.$C.link"
case_dir malformed-link either-packager && good_links malformed-link &&
  printf '{"signatures": [], "signed": ' >"$out/malformed-link/links/package.$C.link"
case_dir expired expired && good_links expired
case_dir wrong-key mallory-signed && good_links wrong-key
case_dir command-mismatch other-command && good_links command-mismatch
case_dir match-fail root && cp "$w/changed/package.$B.link" "$out/match-fail/links/" &&
  cp "$w/changed/foo.tar.gz" "$out/match-fail/artifacts/"
case_dir inspection-fails with-failing-inspection && good_links inspection-fails
case_dir sublayout root && cp "$tmp/layouts/sub.layout" "$out/sublayout/links/package.$B.link" &&
  mkdir "$out/sublayout/links/package.$B" && cp "$w/sub/pack.$C.link" "$out/sublayout/links/package.$B/" &&
  cp "$w/sub/foo.tar.gz" "$out/sublayout/artifacts/"
case_dir sublayout-fail root && cp "$tmp/layouts/sub.layout" "$out/sublayout-fail/links/package.$B.link" &&
  mkdir "$out/sublayout-fail/links/package.$B" && cp "$w/junk/pack.$C.link" "$out/sublayout-fail/links/package.$B/" &&
  cp "$w/junk/foo.tar.gz" "$out/sublayout-fail/artifacts/"
case_dir sublayout-missing-link root && cp "$tmp/layouts/sub.layout" "$out/sublayout-missing-link/links/package.$B.link" &&
  mkdir "$out/sublayout-missing-link/links/package.$B" && cp "$w/sub/foo.tar.gz" "$out/sublayout-missing-link/artifacts/"
case_dir link-name-differs root && good_links link-name-differs &&
  cp "$w/renamed/writing.$A.link" "$out/link-name-differs/links/write-code.$A.link" # the signed name is "writing"
# An extra authorized file whose Ed25519 signature is 63 bytes: the reference cannot decode it.
case_dir odd-signature either-packager && good_links odd-signature
"$py" - "$w/carol/package.$C.link" "$out/odd-signature/links/package.$C.link" <<'PY'
import sys
from in_toto.models.metadata import Metablock
mb = Metablock.load(sys.argv[1])
mb.signatures[0]["sig"] = mb.signatures[0]["sig"][:126]
mb.dump(sys.argv[2])
PY
for c in sublayout-expired sublayout-wrong-signer; do
  case_dir $c root && mkdir "$out/$c/links/package.$B" && cp "$w/sub/pack.$C.link" "$out/$c/links/package.$B/" &&
    cp "$w/sub/foo.tar.gz" "$out/$c/artifacts/"
done
cp "$tmp/layouts/sub-expired.layout" "$out/sublayout-expired/links/package.$B.link"
cp "$tmp/layouts/sub-by-carol.layout" "$out/sublayout-wrong-signer/links/package.$B.link" # bob's step, carol signed

# ------------------------------------------------------------------------------ the reference's verdicts
# in-toto-verify in a directory holding the artifacts, the layout, the owner's key and the links
# (the inspections run there); the inspection links it persists (<name>.link) are kept in
# <case>/inspections/ for the unit test's fake inspection runner. An inspection that fails is not
# persisted by the reference: its link is made by the same call the verifier makes
# (runlib.in_toto_run(name, ["."], ["."], run)) in the same directory state.
log "in-toto-verify"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
exp=$out/expectations.txt
{
  echo "# in-toto-verify $(dpkg-query -W -f='${Version}' in-toto 2>/dev/null || echo '?') verdicts, recorded by scripts/gen-intoto-chains.sh"
  echo "# CASE VERDICT [warning]: VERDICT is pass or the exception in-toto-verify reported; warning when it warned"
  echo "now $now"
} >"$exp"
for dir in "$out"/*/; do
  c=$(basename "$dir")
  [[ $c == keys ]] && continue
  v=$tmp/verify/$c
  mkdir -p "$v"
  cp -r "$dir/artifacts/." "$dir/links/." "$v/"
  cp "$dir/root.layout" "$keys/owner.pub" "$v/"
  if (cd "$v" && in-toto-verify --layout root.layout --layout-keys owner.pub -t rsa) >"$v.log" 2>&1; then
    verdict=pass
  else
    verdict=$(sed -n 's/^(in-toto-verify) \([A-Za-z_.]*\): .*/\1/p' "$v.log" | tail -1)
    [[ -n $verdict ]] || die "$c: in-toto-verify failed without naming an exception: $(cat "$v.log")"
  fi
  warn=""
  grep -q 'differs from expected command' "$v.log" && warn=" warning"
  echo "$c $verdict$warn" >>"$exp"
  sed "s|$tmp|TMP|g" "$v.log" >"$dir/reference.log"
  for f in "$v"/*.link; do
    n=$(basename "$f" .link)
    [[ $n == *.* ]] && continue # a step's link, not an inspection's
    mkdir -p "$dir/inspections" && cp "$f" "$dir/inspections/"
  done
done
# The failing inspection's link (the reference raises before persisting it).
(cd "$tmp/verify/inspection-fails" && "$py" -c '
from in_toto.runlib import in_toto_run
in_toto_run("fails", ["."], ["."], ["false"]).dump("fails.link")') >/dev/null 2>&1 ||
  die "in_toto_run of the failing inspection failed"
cp "$tmp/verify/inspection-fails/fails.link" "$out/inspection-fails/inspections/"

# ------------------------------------------------------------------------------ README
cat >"$out/README.md" <<MD
# fixtures/intoto/chains/

Supply chains made by the reference tools (in-toto $(dpkg-query -W -f='${Version}' in-toto 2>/dev/null || echo '?')) with
\`scripts/gen-intoto-chains.sh\`. **Never edit by hand**: run the script and commit the result.

- \`keys/\` — the public keys \`in-toto-keygen\` made (the private ones are not kept): \`owner\`
  (rsa, signs the layouts), \`alice\` (ed25519, step \`write-code\`), \`bob\` (ecdsa, step
  \`package\`; signs the sublayout), \`carol\` (ed25519, a second packager and the sublayout's
  \`pack\`), \`mallory\` (ed25519, never authorized); \`keyids.txt\`.
- \`<case>/root.layout\` — the layout (in_toto Python API, \`in-toto-sign\`): \`write-code\` (alice,
  \`sh -c '$WRITE'\`, CREATE foo.py) then \`package\` (\`sh -c '$TAR'\`, MATCH foo.py WITH PRODUCTS FROM
  write-code, CREATE foo.tar.gz), inspection \`untar\` (\`tar xzf foo.tar.gz\`, MATCH foo.tar.gz WITH
  PRODUCTS FROM package, then foo.py WITH PRODUCTS FROM write-code).
- \`<case>/links/\` — the link files (\`in-toto-run\`), sublayout links under \`package.<bob8>/\`.
- \`<case>/artifacts/\` — what the inspections see (foo.tar.gz).
- \`<case>/inspections/<name>.link\` — the inspection links in-toto-verify persisted (unsigned); the
  failing inspection's from \`runlib.in_toto_run\`, which in-toto-verify calls.
- \`<case>/reference.log\` — in-toto-verify's output.
- \`expectations.txt\` — \`now\` (when the reference ran) and per case the verdict of
  \`in-toto-verify --layout root.layout --layout-keys owner.pub -t rsa\` run in a directory holding
  artifacts, links, layout and key: \`pass\` or the exception it names, \`warning\` when it warned.

Cases: good; tampered-product (foo.tar.gz not the one packaged); missing-link; unauthorized (mallory's
link under her own name); unauthorized-renamed (her link under bob's name); below-threshold
(threshold 2, bob's link only); threshold-pass (bob and carol agree); threshold-disagree (carol
packaged another foo.py); extra-invalid-link (threshold 1, a second file signed by the wrong key);
malformed-link (a second authorized file that is not JSON); expired (2000-01-01); wrong-key (layout
signed by mallory); command-mismatch (the layout expects another command); match-fail (foo.py
changed between the steps); inspection-fails (a second inspection runs \`false\`); sublayout (bob
delegates package to a layout in which carol packs, with its own inspection); sublayout-fail
(carol's pack also made \`junk\`); sublayout-missing-link (no pack link); sublayout-expired;
sublayout-wrong-signer (the sublayout for bob's step signed by carol); link-name-differs (the
write-code link's signed name is \`writing\`: not checked); odd-signature (a second authorized
link whose Ed25519 signature is 63 bytes: the reference aborts).

Used by \`tests/unit/intoto/test_verifier.cpp\`.
MD
rm -f "$keys"/{owner,alice,bob,carol,mallory} # the private keys: nothing reads them once the chains exist
log "done: $(grep -vc '^#\|^now' "$exp") cases"
sed 's/^/  /' "$exp"
