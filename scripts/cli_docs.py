#!/usr/bin/env python3
"""The man page signy.1 and the bash completion, both generated from `signy ... --help`.

Usage: cli_docs.py SIGNY --man OUT.1 --completion OUT.bash   (scripts/gen-man.sh runs it)

Every command is found by walking the "Subcommands:" sections of the help, starting at
`signy --help`; each command's description, usage, positionals, options and examples are taken
from its own --help, as CLI11 formats it (src/cli/main.cpp's Formatter): sections "Positionals:",
"Options:" (or an option group's title), "Subcommands:", entries indented two spaces with the description at column 30, or on
the next line (indented 30) when the name is longer. Nothing here knows a command by name: a new
command appears in both files when they are regenerated. The hand-written parts (exit status,
environment, files) are below; keep them true (README "Exit codes", "Passphrases").
"""
import argparse
import re
import subprocess
import sys

COLUMN = 30  # CLI11's default column width for names
SECTIONS = ("Positionals:", "Options:", "Subcommands:")


def run_help(signy, path):
    out = subprocess.run([signy, *path, "--help"], capture_output=True, text=True, check=False,
                         env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    if out.returncode != 0:
        sys.exit(f"cli_docs.py: {' '.join(['signy', *path, '--help'])} exited {out.returncode}: {out.stderr.strip()}")
    return out.stdout


class Entry:
    def __init__(self, names, spec, desc):
        self.names, self.spec, self.desc = names, spec, desc


class Command:
    def __init__(self, path):
        self.path = path  # ["key", "generate"]
        self.description = ""
        self.usage = ""
        self.positionals, self.options, self.subcommands = [], [], []
        self.footer = []


def split_entry(head):
    """'-d,--dir DIR' -> (['-d', '--dir'], 'DIR'); 'FILE TEXT (required)' -> (['FILE'], 'TEXT (required)')."""
    first, _, spec = head.partition(" ")
    return first.split(","), spec.strip()


def parse_help(path, text):
    cmd = Command(path)
    lines = text.rstrip("\n").split("\n")
    i = 0
    if lines and not lines[0].startswith("Usage:"):
        cmd.description = lines[0].strip()
        i = 1
    if i >= len(lines) or not lines[i].startswith("Usage: "):
        sys.exit(f"cli_docs.py: signy {' '.join(path)} --help: no Usage line where expected")
    cmd.usage = lines[i][len("Usage: "):].strip()
    i += 1
    lists = {"Positionals:": cmd.positionals, "Options:": cmd.options, "Subcommands:": cmd.subcommands}
    while i < len(lines):
        if lines[i] == "":
            i += 1
            continue
        if lines[i] in SECTIONS:
            section = lists[lines[i]]
        elif lines[i].endswith(":") and not lines[i].startswith(" ") and i + 1 < len(lines) and lines[i + 1].startswith("  -"):
            section = cmd.options  # an option group's own title (CLI11 Option::group)
        else:
            cmd.footer = lines[i:]  # examples and notes: the rest, as it is
            break
        i += 1
        while i < len(lines) and lines[i].startswith("  ") and not lines[i].startswith(" " * COLUMN):
            line = lines[i]
            i += 1
            below = i < len(lines) and lines[i].startswith(" " * COLUMN)
            if len(line) > COLUMN and line[COLUMN - 1] == " " and line[COLUMN] != " " and not below:
                head, desc = line[2:COLUMN].rstrip(), line[COLUMN:].strip()  # a name padded to the column
            else:
                # A name that reaches the column: its description is on the next lines. (A short
                # name whose description has a line break would read as a long one: none has.)
                head, desc = line[2:].rstrip(), ""
            while i < len(lines) and lines[i].startswith(" " * COLUMN):
                desc = (desc + " " + lines[i].strip()).strip()
                i += 1
            names, spec = split_entry(head)
            section.append(Entry(names, spec, desc))
    while cmd.footer and cmd.footer[-1] == "":
        cmd.footer.pop()
    return cmd


def walk(signy, path=()):
    cmd = parse_help(list(path), run_help(signy, list(path)))
    yield cmd
    for sub in cmd.subcommands:
        yield from walk(signy, (*path, sub.names[0]))


# ---------------------------------------------------------------------------------------------
# The man page (man-pages(7), groff_man(7)).

def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def option_head(entry):
    names = ", ".join(f"\\fB{roff(n)}\\fR" for n in entry.names)
    return names + (f" \\fI{roff(entry.spec)}\\fR" if entry.spec else "")


def is_help(entry):
    return entry.names == ["-h", "--help"]


def footer_roff(footer):
    """A help's footer: examples (a line starting "Example", and indented lines) as they are, notes
    as filled paragraphs."""
    out, literal = [], False
    for line in footer:
        if not line.strip():
            continue
        example = line.startswith(("Example", " "))
        if example and not literal:
            out += [".PP", ".nf", ".RS 4"]
        elif not example:
            out += [".RE", ".fi"] if literal else []
            out.append(".PP")
        literal = example
        out.append(roff(line))
    return out + ([".RE", ".fi"] if literal else [])


def man_page(commands, version):
    top = commands[0]
    out = [
        '.\\" Generated by scripts/gen-man.sh from the --help of every signy command: do not edit,',
        '.\\" regenerate (tests/cli/man_completion.sh fails when this file and --help disagree).',
        f'.TH SIGNY 1 "" "{roff(version)}" "User Commands"',
        ".ad l",  # left-aligned, no hyphenation: option names and paths stay whole
        ".nh",
        ".SH NAME",
        "signy \\- " + roff(top.description.split(": ", 1)[-1]),
        ".SH SYNOPSIS",
        ".B signy",
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
        "Every command prints its own help with \\fB\\-\\-help\\fR; this page is generated from that help.",
        "Global options may be given before or after the command.",
        "Long hashing (a thick bundle, \\fBsigny digest\\fR) shows its progress on standard error when that",
        "is a terminal, never in a pipe and never with \\fB\\-o json\\fR.",
    ]
    out += footer_roff(top.footer)
    out.append(".SH GLOBAL OPTIONS")
    for o in top.options:
        out += [".TP", option_head(o), roff(o.desc)]
    out.append(".SH COMMANDS")
    for cmd in commands[1:]:
        out += [f'.SS "signy {roff(" ".join(cmd.path))}"', roff(cmd.description), ".PP",
                "Usage: \\fB" + roff(cmd.usage) + "\\fR"]
        if cmd.subcommands:
            out += [".PP", "Commands:"]
            for s in cmd.subcommands:
                out += [".TP", f"\\fB{roff(s.names[0])}\\fR", roff(s.desc)]
        if cmd.positionals:
            out += [".PP", "Arguments:"]
            for p in cmd.positionals:
                spec = p.spec[len("TEXT"):].strip() if p.spec.startswith("TEXT") else p.spec  # CLI11's type of a string
                out += [".TP", f"\\fI{roff(p.names[0])}\\fR" + (f" {roff(spec)}" if spec else ""), roff(p.desc)]
        options = [o for o in cmd.options if not is_help(o)]
        if options:
            out += [".PP", "Options:"]
            for o in options:
                out += [".TP", option_head(o), roff(o.desc)]
        out += footer_roff(cmd.footer)
    out += STATIC_SECTIONS
    return "\n".join(out) + "\n"


STATIC_SECTIONS = r"""
.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 1
verification refused (bad signature, hash mismatch, expired metadata, rollback, an image that
differs from the signed bundle.json or is missing or unpinned, ...)
.TP
.B 2
usage error (the command line is wrong; publishing to a read\-only mirror)
.TP
.B 3
bad input (malformed or non\-canonical JSON, PEM, DER, key; wrong passphrase; an unsafe thick
archive; an unsupported media type)
.TP
.B 4
network error, or the server refused the credentials or the request
.TP
.B 5
local I/O or key store error (missing file, not a regular file, bad permissions, no passphrase
available, a lock held too long)
.TP
.B 6
internal error
.PP
Every error is one line on standard error: \fBsigny: \fIwhat failed\fB: \fIwhy\fR.
With \fB\-o json\fR the failure is also an object on standard output:
{"error": {"code": ..., "category": ..., "message": ...}}.
.SH ENVIRONMENT
.TP
.B SIGNY_ROOT_PASSPHRASE, SIGNY_TARGETS_PASSPHRASE, SIGNY_SNAPSHOT_PASSPHRASE, SIGNY_RELEASES_PASSPHRASE
The passphrase of the keys of each role (releases: delegations); without it signy asks on the
terminal with echo off.
.TP
.B SIGNY_AUTH
Credentials for the Notary server's token service (base64 of user:password).
.TP
.B DOCKER_CONFIG
Directory of the docker config.json that holds registry credentials (default ~/.docker).
.TP
.B SIGNY_LOCK_TIMEOUT
Whole seconds a writer waits for another writer's lock on a collection (0: do not wait).
.TP
.B HOME
The default trust directory is ~/.signy.
.SH FILES
.TP
.I ~/.signy
The trust directory (\fB\-d\fR): private/ holds the encrypted keys (Notary's layout), the cached TUF
metadata of each collection lives beside them.
.TP
.I <trust dir>/config.json
Trust pinning (Notary's format).
.SH SEE ALSO
.BR notary (1),
.BR in\-toto\-verify (1).
The README and docs/security/ of signy's source describe the formats, keys and attacks.
""".strip("\n").split("\n")


# ---------------------------------------------------------------------------------------------
# The bash completion: one function, the command tree as data (case on the command path).

def value_kind(spec):
    """What an option's value (or a positional) completes to: files, dirs, a word list or nothing."""
    word = spec.split(" ")[0] if spec else ""
    if "|" in word:
        return "words:" + " ".join(word.split("|"))
    base = word.rstrip(".")
    if base in ("FILE", "PUB", "LAYOUT"):
        return "files"
    if base == "DIR":
        return "dirs"
    return "none"


def positional_kind(entry):
    # A positional's type is TEXT: its name says what it is (FILE, LAYOUT; verify's "[FILE] REF").
    name = entry.names[0]
    if name in ("FILE", "LAYOUT") or entry.desc.startswith("[FILE]"):
        return "files"
    return "none"


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def completion(commands):
    top = commands[0]
    lines = [
        "# bash completion for signy. Generated by scripts/gen-man.sh from the --help of every signy",
        "# command: do not edit, regenerate (tests/cli/man_completion.sh fails when it and --help disagree).",
        "",
        "# _signy_tree PATH: sets subs (commands), opts (options), vals (\"OPTION KIND\" lines for the",
        "# options that take a value) and pos (the positionals' kinds) of the command PATH (\"\" = signy).",
        "_signy_tree() {",
        "  subs='' opts='' vals='' pos=''",
        '  case "$1" in',
    ]
    for cmd in commands:
        vals = []
        for o in cmd.options:
            if o.spec:
                for n in o.names:
                    vals.append(f"{n} {value_kind(o.spec)}")
        opts = [n for o in cmd.options for n in o.names]
        lines += [
            f"    {sh_quote(' '.join(cmd.path))})",
            f"      subs={sh_quote(' '.join(s.names[0] for s in cmd.subcommands))}",
            f"      opts={sh_quote(' '.join(opts))}",
            f"      vals={sh_quote(chr(10).join(vals))}",
            f"      pos={sh_quote(' '.join(positional_kind(p) for p in cmd.positionals))}",
            "      ;;",
        ]
    lines += ["  esac", "}", ""]
    lines += COMPLETION_FUNCTION
    return "\n".join(lines) + "\n"


COMPLETION_FUNCTION = r"""
# The kind of value OPTION takes in PATH or, as global options may follow the command, in signy.
_signy_value_kind() {
  local path=$1 option=$2 line
  local subs opts vals pos
  for p in "$path" ""; do
    _signy_tree "$p"
    while IFS= read -r line; do
      [[ ${line%% *} == "$option" ]] && { printf '%s\n' "${line#* }"; return 0; }
    done <<<"$vals"
  done
  return 1
}

_signy_complete_kind() {
  local kind=$1 cur=$2
  case $kind in
    files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dirs) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    words:*) mapfile -t COMPREPLY < <(compgen -W "${kind#words:}" -- "$cur") ;;
    *) COMPREPLY=() ;;
  esac
}

_signy() {
  local cur=${COMP_WORDS[COMP_CWORD]} path='' word kind i npos=0
  local subs opts vals pos
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      [[ $word == *=* ]] && continue
      if kind=$(_signy_value_kind "$path" "$word"); then
        [[ ${COMP_WORDS[i + 1]-} == "=" ]] && ((i++))  # --output=json: bash splits at '='
        if ((i + 1 == COMP_CWORD)); then
          _signy_complete_kind "$kind" "$cur"
          return 0
        fi
        ((i++))
      fi
      continue
    fi
    _signy_tree "$path"
    if [[ " $subs " == *" $word "* ]]; then
      path=${path:+$path }$word
      npos=0
    else
      ((npos++))
    fi
  done
  # The value of "--option=": the word after '='.
  if [[ $cur != -* && ${COMP_WORDS[COMP_CWORD - 1]-} == "=" ]] && kind=$(_signy_value_kind "$path" "${COMP_WORDS[COMP_CWORD - 2]}"); then
    _signy_complete_kind "$kind" "$cur"
    return 0
  fi
  _signy_tree "$path"
  if [[ $cur == -* ]]; then
    local all=" $opts " o
    if [[ -n $path ]]; then
      _signy_tree ""
      for o in $opts; do [[ $all == *" $o "* ]] || all+="$o "; done
    fi
    mapfile -t COMPREPLY < <(compgen -W "$all" -- "$cur")
  elif [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
  else
    local kinds=($pos)
    kind=${kinds[npos]-${kinds[-1]-none}}
    ((${#kinds[@]})) || kind=none
    _signy_complete_kind "$kind" "$cur"
  fi
  return 0
}
complete -F _signy signy
""".strip("\n").split("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("signy")
    ap.add_argument("--man", required=True)
    ap.add_argument("--completion", required=True)
    args = ap.parse_args()
    commands = list(walk(args.signy))
    version = subprocess.run([args.signy, "version"], capture_output=True, text=True, check=True).stdout.split()[:2]
    if len(version) != 2 or version[0] != "signy":
        sys.exit("cli_docs.py: signy version printed no \"signy VERSION\"")
    with open(args.man, "w") as f:
        f.write(man_page(commands, " ".join(version)))
    with open(args.completion, "w") as f:
        f.write(completion(commands))


if __name__ == "__main__":
    main()
