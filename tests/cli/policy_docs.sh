#!/usr/bin/env bash
# The policy examples show real output: in docs/security/policy.md (its example policy.json is
# the first ```json block after "## Checking a policy") and in README's "### Verification policy"
# (its `cat policy.json` shows the file), every ```console block is run command by command and
# its output (stdout and stderr) compared with what the page shows.
source "$(dirname "$0")/../interop/lib.sh"
: "${SOURCE_DIR:?}"
signy() { "$SIGNY" "$@"; }

# run_examples FILE START-REGEX END-REGEX: the console blocks between the two headings.
run_examples() {
  local file=$1 start=$2 end=$3 dir
  dir=$(mktemp -d "$work/run.XXXXXX")
  awk -v s="$start" -v e="$end" '$0~s{u=1;next} u&&$0~e{u=0} u&&/^```console/{c=1;next} c&&/^```/{c=0;print "@@END";next} c{print}' \
    "$file" >"$dir.blocks"
  [[ $(grep -c '^\$ ' "$dir.blocks") -ge 2 ]] || die "$file has no console examples under $start"
  local cmds=() outs=() line i cmd rc out last_rc=0 ran=0
  while IFS= read -r line; do
    [[ $line == '@@END' ]] && continue
    if [[ $line == '$ '* ]]; then cmds+=("${line#'$ '}"); outs+=("")
    else outs[-1]+="$line"$'\n'
    fi
  done <"$dir.blocks"
  [[ -s $work/policy.json ]] && cp "$work/policy.json" "$dir/"
  : >"$dir.expected"; : >"$dir.actual"
  for i in "${!cmds[@]}"; do
    cmd=${cmds[$i]}
    printf '$ %s\n%s' "$cmd" "${outs[$i]}" >>"$dir.expected"; printf '$ %s\n' "$cmd" >>"$dir.actual"
    if [[ $cmd == 'echo $?' ]]; then echo "$last_rc" >>"$dir.actual"; continue; fi
    # `cat FILE` shows a file the next commands read: the page's text is the file.
    [[ $cmd =~ ^cat\ ([a-z.]+)$ ]] && printf '%s' "${outs[$i]}" >"$dir/${BASH_REMATCH[1]}"
    rc=0
    out=$(cd "$dir" && eval "${cmd//\/tmp\/trust/$work/trust}" 2>&1) || rc=$?
    last_rc=$rc ran=$((ran + 1))
    [[ -n $out ]] && printf '%s\n' "${out//$work\/trust//tmp/trust}" >>"$dir.actual"
  done
  if ! diff -u "$dir.expected" "$dir.actual" >&2; then
    die "$file's examples differ from what signy prints (diff above: - page, + signy)"
  fi
  ok "$(basename "$file") ($start): $ran commands give the output the page shows"
}

doc=$SOURCE_DIR/docs/security/policy.md
awk '/^## Checking a policy/{c=1} c&&/^```json/{j=1;next} j&&/^```/{exit} j{print}' "$doc" >policy.json
[[ -s policy.json ]] || die "policy.md has no example policy.json"
run_examples "$doc" '^## Checking a policy' '^## Security notes'
rm policy.json
run_examples "$SOURCE_DIR/README.md" '^### Verification policy' '^### '
