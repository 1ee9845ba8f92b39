#!/usr/bin/env bash
# README's examples stay true: every ```console block of the "## Usage" section before
# "### With a Notary server" (the file:// quick start) is run command by command and its output
# compared with what README shows. Key IDs (64 hex digits on `Generated` lines and `key list`
# rows) differ per run and are masked, and a key ID that README shows as generated is replaced by
# the one this run generated in later commands; everything else, digests included, must match.
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
cp "$FIXTURES/cnab/thick/good.tgz" tampered.tgz   # "a copy of the bundle" that the next line appends to
signy() { "$SIGNY" "$@"; }
mask() { sed -E '/^(Generated |root |targets |snapshot |timestamp )/s/[0-9a-f]{64}/<KEYID>/g'; }

# Parse into commands and the output README shows for each.
cmds=() outs=()
while IFS= read -r line; do
  [[ $line == '@@END' ]] && continue
  if [[ $line == '$ '* ]]; then cmds+=("${line#'$ '}"); outs+=("")
  else outs[-1]+="$line"$'\n'
  fi
done <"$work/blocks.txt"

expected=$work/expected.txt actual=$work/actual.txt
: >"$expected"; : >"$actual"
declare -A ids=()   # key ID README shows -> the one this run generated (for later commands)
last_rc=0 ran=0
for i in "${!cmds[@]}"; do
  cmd=${cmds[$i]} want=${outs[$i]}
  printf '$ %s\n%s' "$cmd" "$want" >>"$expected"; printf '$ %s\n' "$cmd" >>"$actual"
  case $cmd in
    export\ *) continue ;;   # passphrases: set above with test values
    'echo $?') echo "$last_rc" >>"$actual"; continue ;;
  esac
  cmd=${cmd//\/tmp\/trust/$work/trust}
  for id in "${!ids[@]}"; do cmd=${cmd//$id/${ids[$id]}}; done
  rc=0
  out=$(eval "$cmd" 2>&1) || rc=$?
  last_rc=$rc ran=$((ran + 1))
  [[ -n $out ]] && printf '%s\n' "$out" >>"$actual"
  if [[ $want =~ ^Generated\ .*\ key\ ([0-9a-f]{64}) ]]; then
    readme_id=${BASH_REMATCH[1]}
    [[ $out =~ ^Generated\ .*\ key\ ([0-9a-f]{64}) ]] && ids[$readme_id]=${BASH_REMATCH[1]}
  fi
done

if ! diff -u <(mask <"$expected") <(mask <"$actual") >"$work/diff.txt"; then
  cat "$work/diff.txt" >&2
  die "README's Usage examples differ from what signy prints (diff above: - README, + signy)"
fi
ok "README's Usage examples: $ran commands give the output README shows"
