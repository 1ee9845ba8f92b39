#!/usr/bin/env bash
# The man page (docs/man/signy.1) and the bash completion (completions/signy.bash) are in step with
# the --help of every command, render and load, and are installed where man and bash-completion
# look for them. After changing a command or option: scripts/gen-man.sh, then commit both files.
source "$(dirname "$0")/../interop/lib.sh"
: "${SOURCE_DIR:?}"
man_page=$SOURCE_DIR/docs/man/signy.1
bash_completion=$SOURCE_DIR/completions/signy.bash
require python3
require groff
require man

# The help itself: an option's value type is shown whole (the formatter cut "HOST[:PORT]" at its
# colon, taking it for CLI11's validator suffix).
"$SIGNY" --help | grep -qF -- "--insecure-registry HOST[:PORT]" || die "signy --help cuts --insecure-registry's HOST[:PORT]"
ok "--help shows option types with a colon whole"

# 1. Regenerated from this signy, both files are exactly the committed ones.
python3 "$SOURCE_DIR/scripts/cli_docs.py" "$SIGNY" --man gen.1 --completion gen.bash
diff -u "$man_page" gen.1 >man.diff || die "docs/man/signy.1 is not what --help gives now: run scripts/gen-man.sh ($(head -c 2000 man.diff))"
diff -u "$bash_completion" gen.bash >completion.diff || die "completions/signy.bash is not what --help gives now: run scripts/gen-man.sh ($(head -c 2000 completion.diff))"
ok "man page and completion equal what scripts/gen-man.sh makes from this signy's --help"

# 2. Independently of the generator: every command and every option of every --help is in the
#    man page, under that command, and the man page names no command or option --help lacks.
cat >crosscheck.py <<'PY'
import re, subprocess, sys
signy, page = sys.argv[1], open(sys.argv[2]).read()
def help_of(path):
    return subprocess.run([signy, *path, "--help"], capture_output=True, text=True, check=True).stdout
def section_items(text, title):  # the first word of each entry of a section of --help
    items, on = [], False
    for line in text.split("\n"):
        if line == title:
            on = True
        elif on and (line == "" or not line.startswith("  ")):
            on = False
        elif on and not line.startswith(" " * 30):
            items.append(line.split()[0])
    return items
def options(text):  # "-d,--dir" -> {"-d", "--dir"}, under "Options:" or an option group's title
    titles = {l for l in text.split("\n") if l.endswith(":") and not l.startswith(" ")}
    return {n for t in titles for item in section_items(text, t) if item.startswith("-") for n in item.split(",")}
helps, todo = {}, [()]
while todo:
    path = todo.pop()
    helps[path] = help_of(path)
    todo += [(*path, s) for s in section_items(helps[path], "Subcommands:")]
# The man page cut at its sections: () the global options, then one per command (.SS "signy ...").
body = page.split("\n.SH EXIT STATUS")[0]
parts = re.split(r'^\.SS "signy ([^"]*)"$', body, flags=re.M)
sections = {(): parts[0]}
for name, text in zip(parts[1::2], parts[2::2]):
    sections[tuple(name.replace("\\-", "-").split())] = text
def man_options(text):  # the names on the line after each .TP that starts with an option
    heads = re.findall(r"^\.TP\n(\\fB\\-.*)$", text, flags=re.M)
    return {n.replace("\\-", "-") for h in heads for n in re.findall(r"\\fB((?:\\-|[A-Za-z0-9_])+)\\fR", h)}
errors = []
for path in helps.keys() - sections.keys():
    errors.append(f"signy {' '.join(path)}: a command of --help without a section in the man page")
for path in sections.keys() - helps.keys():
    errors.append(f"signy {' '.join(path)}: a section of the man page for no command of --help")
for path in helps.keys() & sections.keys():
    in_help = options(helps[path]) - ({"-h", "--help"} if path else set())
    in_man = man_options(sections[path])
    for o in sorted(in_help - in_man):
        errors.append(f"signy {' '.join(path)}: option {o} of --help is not in the man page")
    for o in sorted(in_man - in_help):
        errors.append(f"signy {' '.join(path)}: option {o} of the man page is not in --help")
    for sub in section_items(helps[path], "Subcommands:"):
        listed = sub.replace("-", "\\-")  # troff escapes every '-'
        if path and f"\n.TP\n\\fB{listed}\\fR\n" not in sections[path]:
            errors.append(f"signy {' '.join(path)}: its command {sub} is not listed in the man page")
if errors:
    sys.exit("\n".join(errors))
print(f"{len(helps)} commands, {sum(len(options(t)) for t in helps.values())} options")
PY
counted=$(python3 crosscheck.py "$SIGNY" "$man_page") || die "the man page and --help disagree (above)"
ok "every command and option of --help is in the man page under its command, and nothing else is ($counted)"
# The cross-check can fail: a page without an option, with an option too many, without a command.
grep -v -- '^\\fB\\-\\-tlscacert\\fR' "$man_page" >less.1
sed 's/^\\fB\\-\\-remote\\fR$/\\fB\\-\\-remote\\fR, \\fB\\-\\-everywhere\\fR/' "$man_page" >more.1
sed 's/^\.SS "signy key list"$/.SS "signy key lis"/' "$man_page" >renamed.1
for edited in less.1:--tlscacert more.1:--everywhere renamed.1:"key lis"; do
  out=$(python3 crosscheck.py "$SIGNY" "${edited%%:*}" 2>&1) && die "the cross-check passed ${edited%%:*}"
  [[ $out == *"${edited#*:}"* ]] || die "the cross-check of ${edited%%:*} does not name ${edited#*:}: $out"
done
ok "the cross-check fails for a page that lacks an option, names one too many, or misnames a command"

# 3. It renders without warnings, and man finds the installed page.
groff -man -ww -z "$man_page" 2>groff.err || die "groff failed on the man page: $(cat groff.err)"
[[ ! -s groff.err ]] || die "groff warns about the man page: $(head -5 groff.err)"
MANWIDTH=100 man -l "$man_page" 2>/dev/null | grep -q "signy key generate" || die "man -l shows no 'signy key generate'"
ok "the man page renders without groff warnings"

# 4. The completion, in a bash without any start-up file: commands, options, values, files.
complete_words() {  # complete_words WORD... : what TAB offers for the last word, one line, '|'-separated
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _signy; (IFS="|"; echo "${COMPREPLY[*]}")' _ "$bash_completion" "$@"
}
expect_completion() {  # expect_completion "EXPECTED" WORD...
  local want=$1; shift
  local got
  got=$(complete_words "$@" | tr '|' '\n' | LC_ALL=C sort | paste -sd'|')
  want=$(tr '|' '\n' <<<"$want" | LC_ALL=C sort | paste -sd'|')  # the order is bash's to choose
  [[ $got == "$want" ]] || die "completing \"$*\": expected \"$want\", got \"$got\""
}
top=$(sed -n '/^Subcommands:/,/^$/p' <("$SIGNY" --help) | awk 'NR > 1 && NF {print $1}' | paste -sd'|')
[[ -n $top ]] || die "no commands in signy --help"
expect_completion "$top" signy ''
expect_completion "key" signy k
expect_completion "generate" signy key gen
expect_completion "check|canonicalize" signy bundle c
expect_completion "--role|--registry-ca" signy key generate --r
expect_completion "--thick|--targets-key|--tlscacert|--timeout" signy sign --t
expect_completion "ecdsa|ed25519|rsa" signy key generate --type ''
expect_completion "text|json" signy -o ''
expect_completion "json" signy --output = j
expect_completion "version|verify" signy -o json -d /tmp ve
expect_completion "" signy list ''
ok "completion: commands, subcommands, options (the command's and the global ones), option values"
mkdir -p files/dir.d && touch files/bundle.tgz files/b.json
(cd files && expect_completion "b.json|bundle.tgz" signy digest b) || exit 1
(cd files && expect_completion "dir.d" signy intoto verify -d '') || exit 1
(cd files && expect_completion "b.json|bundle.tgz" signy sign --root-key b) || exit 1
(cd files && expect_completion "b.json|bundle.tgz|dir.d" signy verify --thick --local '') || exit 1
ok "completion: file and directory arguments"

# 5. Installed: the page where man looks (<prefix>/share/man), the completion where
#    bash-completion's loader looks (<data dir>/bash-completion/completions for each of
#    XDG_DATA_DIRS, by default /usr/local/share:/usr/share: the default prefix /usr/local works).
build=$(dirname "$SIGNY")
[[ -f $build/cmake_install.cmake ]] || die "no cmake_install.cmake beside $SIGNY"
cmake --install "$build" --prefix "$work/prefix" >install.log || die "cmake --install failed: $(tail -3 install.log)"
cmp -s "$work/prefix/share/man/man1/signy.1" "$man_page" || die "the man page is not installed in share/man/man1"
cmp -s "$work/prefix/share/bash-completion/completions/signy" "$bash_completion" ||
  die "the completion is not installed as share/bash-completion/completions/signy"
MANPATH=$work/prefix/share/man MANWIDTH=100 man signy 2>/dev/null | grep -q "signy digest" || die "man signy does not find the installed page"
ok "installed: man signy finds share/man/man1/signy.1"
loader=/usr/share/bash-completion/bash_completion
[[ -f $loader ]] || die "bash-completion is not installed (scripts/deps.sh test installs it)"
got=$(XDG_DATA_DIRS=$work/prefix/share HOME=$work bash --norc --noprofile -c '
  source "$1"
  _completion_loader signy 2>/dev/null || __load_completion signy
  complete -p signy' _ "$loader") || die "bash-completion did not load the installed completion: $got"
[[ $got == "complete -F _signy signy" ]] || die "bash-completion loaded \"$got\" for signy"
ok "installed: bash-completion's loader finds and loads the completion in <prefix>/share"
echo "$pass passed, 0 failed"
