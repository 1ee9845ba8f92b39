#!/usr/bin/env bash
# The original signy's in-toto demo supply chain, recreated with the reference tools (in-toto
# 1.3: in-toto-keygen, in-toto-run) and keys made here; nothing is copied from it. Its shape
# (cnabio/signy README "Using in-toto"):
#   step write-code (functionary bob):  products ALLOW the sources
#   step package    (functionary carl): tar zcvf ARCHIVE SOURCES; materials MATCH the sources
#                                       WITH PRODUCTS FROM write-code, DISALLOW *; products ALLOW
#                                       ARCHIVE and the sources
#   inspection untar:                   tar xfz ARCHIVE; materials MATCH ARCHIVE WITH PRODUCTS
#                                       FROM package, DISALLOW ARCHIVE; products MATCH the sources
#                                       WITH PRODUCTS FROM write-code, DISALLOW the sources
# The inspection reads only ARCHIVE, so the chain verifies with ARCHIVE alone as the artifact
# under verification (`signy verify --in-toto` gives it the bundle), or in a directory holding the
# layout and links too (in-toto-verify).
#
# Usage: scripts/intoto-demo.sh [--source DIR] [--archive NAME] [--gun GUN [--key KEYID]] OUTDIR
#   default sources: foo.py (written here) into foo.tar.gz, as in the original demo;
#   --source DIR: bob's "code" is DIR's entries (e.g. a thick bundle's bundle.json and
#                 artifacts/), packaged into NAME (e.g. bundle.tgz: then ARCHIVE is a thick bundle);
#   --gun GUN:    sign the layout with `signy layout sign` (GUN's root key, or --key KEYID) into
#                 OUTDIR/root.layout; ${SIGNY:-signy} with the global options in $SIGNY_FLAGS.
# OUTDIR receives: layout.json (the unsigned layout), links/ (write-code.*.link, package.*.link),
# ARCHIVE, keys/ (bob: RSA, carl: Ed25519; their private keys stay there), and root.layout with
# --gun. Needs the Debian package in-toto.
set -euo pipefail
die() { echo "intoto-demo: $*" >&2; exit 2; }
source_dir="" archive="" gun="" key=""
while [[ $# -gt 1 ]]; do
  case $1 in
    --source) source_dir=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    --gun) gun=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    *) die "unknown option $1 (usage: $0 [--source DIR] [--archive NAME] [--gun GUN [--key KEYID]] OUTDIR)" ;;
  esac
done
[[ $# == 1 && $1 != -* ]] || die "usage: $0 [--source DIR] [--archive NAME] [--gun GUN [--key KEYID]] OUTDIR"
out=$1
[[ -z $key || -n $gun ]] || die "--key needs --gun"
[[ -z $source_dir || -d $source_dir ]] || die "--source $source_dir is not a directory"
[[ -z $source_dir ]] || source_dir=$(cd "$source_dir" && pwd)
[[ -n $archive ]] || archive=$([[ -n $source_dir ]] && echo bundle.tgz || echo foo.tar.gz)
[[ $archive =~ ^[A-Za-z0-9._-]+$ && $archive != .* ]] || die "--archive must be a plain file name"
for tool in in-toto-keygen in-toto-run tar; do command -v $tool >/dev/null || die "$tool is not installed (scripts/deps.sh test)"; done
# The Python that runs in-toto (its shebang) has securesystemslib, to read the keys' IDs.
py=$(sed -n '1s/^#! *//p' "$(command -v in-toto-run)")
[[ -x ${py%% *} ]] || py=/usr/bin/python3

mkdir -p "$out"
out=$(cd "$out" && pwd)
[[ -z $(ls -A "$out") ]] || die "$out is not empty"
mkdir "$out/keys" "$out/links" "$out/work"
in-toto-keygen -t rsa "$out/keys/bob" >/dev/null
in-toto-keygen -t ed25519 "$out/keys/carl" >/dev/null

# The sources: the top-level entries bob writes (files and directories).
cd "$out/work"
if [[ -n $source_dir ]]; then
  mapfile -t sources < <(cd "$source_dir" && LC_ALL=C ls -A)
  [[ ${#sources[@]} -gt 0 ]] || die "--source $source_dir is empty"
  for s in "${sources[@]}"; do [[ $s != "$archive" ]] || die "--source holds $archive itself"; done
  write_cmd=(cp -R "$source_dir/." .)
else
  sources=(foo.py)
  write_cmd=(sh -c 'printf "VERSION = \"foo-v1\"\n\nprint(\"Hello in-toto\")\n" >foo.py')
fi
# Step write-code: bob writes the code (by hand in the original), then records what he wrote
# (in-toto-run --no-command: the link's command is empty, as the step expects).
"${write_cmd[@]}"
in-toto-run -n write-code -k "$out/keys/bob" -t rsa -p "${sources[@]}" -x >/dev/null
# Step package: carl packages it.
package_cmd=(tar zcvf "$archive" "${sources[@]}")
in-toto-run -n package -k "$out/keys/carl" -t ed25519 -m "${sources[@]}" -p "$archive" "${sources[@]}" -- "${package_cmd[@]}" >/dev/null
mv ./*.link "$out/links/"
mv "$archive" "$out/"
cd "$out" && rm -rf work

# The layout (in-toto's `signed` object), expiring in a year.
"$py" - "$out" "$archive" "${package_cmd[*]}" "${sources[@]}" <<'PY'
import datetime, json, os, sys
from securesystemslib.interface import import_ed25519_publickey_from_file, import_rsa_publickey_from_file
out, archive, package_cmd, sources = sys.argv[1], sys.argv[2], sys.argv[3].split(" "), sys.argv[4:]
bob = import_rsa_publickey_from_file(os.path.join(out, "keys", "bob.pub"))
carl = import_ed25519_publickey_from_file(os.path.join(out, "keys", "carl.pub"))
# A directory's files (what write-code recorded under it) are matched as DIR/* ("*" matches
# across "/", as fnmatch does).
def is_dir(name):
    return any(k.startswith(name + "/") for link in os.listdir(os.path.join(out, "links")) if link.startswith("write-code.")
               for k in json.load(open(os.path.join(out, "links", link)))["signed"]["products"])
patterns = [s + "/*" if is_dir(s) else s for s in sources]
rule = lambda *words: list(words)
expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
layout = {
    "_type": "layout",
    "expires": expires,
    "readme": "signy's in-toto demo: the original signy's write-code, package and untar chain",
    "keys": {bob["keyid"]: bob, carl["keyid"]: carl},
    "steps": [
        {"_type": "step", "name": "write-code", "threshold": 1, "pubkeys": [bob["keyid"]], "expected_command": [],
         "expected_materials": [],
         "expected_products": [rule("ALLOW", p) for p in patterns]},
        {"_type": "step", "name": "package", "threshold": 1, "pubkeys": [carl["keyid"]], "expected_command": package_cmd,
         "expected_materials": [rule("MATCH", p, "WITH", "PRODUCTS", "FROM", "write-code") for p in patterns] + [rule("DISALLOW", "*")],
         "expected_products": [rule("ALLOW", archive)] + [rule("ALLOW", p) for p in patterns]},
    ],
    "inspect": [
        {"_type": "inspection", "name": "untar", "run": ["tar", "xfz", archive],
         "expected_materials": [rule("MATCH", archive, "WITH", "PRODUCTS", "FROM", "package"), rule("DISALLOW", archive)],
         "expected_products": [rule("MATCH", p, "WITH", "PRODUCTS", "FROM", "write-code") for p in patterns]
                              + [rule("DISALLOW", p) for p in patterns]},
    ],
}
with open(os.path.join(out, "layout.json"), "w") as f:
    json.dump(layout, f, indent=1, sort_keys=True)
PY
echo "made the demo supply chain in $out: layout.json, links/$(cd links && ls | tr '\n' ' ')$archive, keys/"

if [[ -n $gun ]]; then
  # shellcheck disable=SC2086 # SIGNY_FLAGS holds several global options
  ${SIGNY:-signy} ${SIGNY_FLAGS:-} layout sign "$out/layout.json" "$gun" --out "$out/root.layout" ${key:+--key "$key"}
fi
