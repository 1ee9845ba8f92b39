#!/usr/bin/env bash
# README's examples stay true: every ```console block of the "## Usage" section before
# "### With a Notary server" (the file:// quick start) is run command by command and its output
# compared with what README shows. Key IDs (64 hex digits on `Generated` lines and `key list`
# rows) differ per run and are masked; everything else, digests included, must match exactly.
source "$(dirname "$0")/../interop/lib.sh"
: "${SOURCE_DIR:?}" "${FIXTURES:?}"
readme=$SOURCE_DIR/README.md

# The blocks: lines between ```console and ``` inside the section.
awk '/^## Usage/{u=1} /^### With a Notary server/{u=0} u&&/^```console/{c=1;next} c&&/^```/{c=0;print "@@END";next} c{print}' \
  "$readme" >blocks.txt
[[ $(grep -c '^\$ ' blocks.txt) -ge 8 ]] || die "README's Usage section has no console examples to run"

export SIGNY_ROOT_PASSPHRASE=readme-root-pass SIGNY_TARGETS_PASSPHRASE=readme-targets-pass \
       SIGNY_SNAPSHOT_PASSPHRASE=readme-snapshot-pass
mkdir run && cd run
ln -s "$FIXTURES" fixtures
cp "$FIXTURES/cnab/thick.tgz" tampered.tgz   # "a copy of the bundle" that the next line appends to
signy() { "$SIGNY" "$@"; }
mask() { sed -E '/^(Generated |root |targets |snapshot |timestamp )/s/[0-9a-f]{64}/<KEYID>/g'; }

expected=$work/expected.txt actual=$work/actual.txt
: >"$expected"; : >"$actual"
last_rc=0 ran=0
while IFS= read -r line; do
  if [[ $line == '@@END' ]]; then continue; fi
  if [[ $line == '$ '* ]]; then
    cmd=${line#'$ '}
    printf '$ %s\n' "$cmd" >>"$expected"; printf '$ %s\n' "$cmd" >>"$actual"
    case $cmd in
      export\ *) continue ;;   # passphrases: set above with test values
      'echo $?') echo "$last_rc" >>"$actual"; continue ;;
    esac
    cmd=${cmd//\/tmp\/trust/$work/trust}
    rc=0
    out=$(eval "$cmd" 2>&1) || rc=$?
    last_rc=$rc ran=$((ran + 1))
    [[ -n $out ]] && printf '%s\n' "$out" >>"$actual"
  else
    printf '%s\n' "$line" >>"$expected"
  fi
done <"$work/blocks.txt"

if ! diff -u <(mask <"$expected") <(mask <"$actual") >"$work/diff.txt"; then
  cat "$work/diff.txt" >&2
  die "README's Usage examples differ from what signy prints (diff above: - README, + signy)"
fi
ok "README's Usage examples: $ran commands give the output README shows"
