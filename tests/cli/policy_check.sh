#!/usr/bin/env bash
# signy policy check (docs/security/policy.md): the default without a file, a file's policies and
# the choice for each REF (exact, longest prefix, "*"), a REF no policy covers (exit 1), a bad file
# (exit 3 naming the policy and the key, never the default instead), files that are not regular,
# a missing trustedRoots.ca, and -o json as one object on stdout even when a REF is denied.
source "$(dirname "$0")/../interop/lib.sh"
s() { "$SIGNY" -d trust "$@"; }

# No policy file: the default policy (strict, "*") and where it would have been read.
out=$(s policy check localhost:5000/org/app:v1)
[[ $out == *"No policy file (trust/policy.json): the default policy applies"* ]] || die "default: $out"
[[ $out == *"localhost:5000/org/app:v1: policy default (strict), scope * of policy default (global: no exact or prefix scope matches)"* ]] ||
  die "default choice: $out"
ok "without a policy file the default policy applies to every GUN"

cat >policy.json <<'EOF'
{"version": "1.0", "policies": [
  {"name": "prod", "scopes": ["localhost:5000/org/app"], "signatureVerification": {"level": "strict"},
   "requireInToto": true, "signingRoles": ["targets/releases"], "maxMetadataAge": "10m"},
  {"name": "team", "scopes": ["localhost:5000/team/*"], "signatureVerification": {"level": "permissive"}},
  {"name": "sub", "scopes": ["localhost:5000/team/sub/*"], "signatureVerification": {"level": "audit"}},
  {"name": "dev", "scopes": ["localhost:5000/dev/y"], "signatureVerification": {"level": "skip"}}]}
EOF
out=$(s policy check --policy policy.json localhost:5000/org/app:v1 localhost:5000/team/tool:v2 \
      localhost:5000/team/sub/x@sha256:$(printf '%064d' 0) localhost:5000/dev/y)
want="Policy file policy.json: valid (version 1.0, 4 policies)
  prod (strict): localhost:5000/org/app
    in-toto required, image digests required, signing roles targets/releases, metadata reused up to 10m0s
  team (permissive): localhost:5000/team/*
    in-toto when signed with it, image digests required, any signing role, metadata always refreshed
  sub (audit): localhost:5000/team/sub/*
    in-toto when signed with it, image digests required, any signing role, metadata always refreshed
  dev (skip): localhost:5000/dev/y
    verifies nothing
localhost:5000/org/app:v1: policy prod (strict), scope localhost:5000/org/app of policy prod (exact)
localhost:5000/team/tool:v2: policy team (permissive), scope localhost:5000/team/* of policy team (longest prefix)
localhost:5000/team/sub/x@sha256:$(printf '%064d' 0): policy sub (audit), scope localhost:5000/team/sub/* of policy sub (longest prefix)
localhost:5000/dev/y: policy dev (skip), scope localhost:5000/dev/y of policy dev (exact)"
[[ $out == "$want" ]] || die "policy check output differs:$(diff <(echo "$want") <(echo "$out"))"
ok "each REF gets the exact scope, else the longest prefix, and the output says which and why"

# A REF that no policy covers is denied: exit 1, named on stdout and in the one-line error.
rc=0; out=$(s policy check --policy policy.json localhost:5000/team/a localhost:5000/other/app:v1 2>err.txt) || rc=$?
[[ $rc == 1 ]] || die "uncovered REF: exit $rc"
[[ $out == *'localhost:5000/other/app:v1: denied: no policy applies to "localhost:5000/other/app": no scope in policy.json matches it and there is no "*" policy'* ]] ||
  die "uncovered REF output: $out"
[[ $(cat err.txt) == 'signy: no policy applies to "localhost:5000/other/app": no scope in policy.json matches it and there is no "*" policy' ]] ||
  die "uncovered REF error: $(cat err.txt)"
expect_fail 1 '(and 1 more)' -- s policy check --policy policy.json localhost:5000/x/a localhost:5000/y/b
expect_fail 2 'invalid reference "BAD"' -- s policy check --policy policy.json BAD
ok "a REF no policy covers exits 1 naming the GUN, a bad REF exits 2"

# -o json: one object on stdout, also when a REF is denied (the error is on stderr only).
rc=0; s -o json policy check --policy policy.json localhost:5000/team/a localhost:5000/other/app:v1 BAD >out.json 2>err.txt || rc=$?
[[ $rc == 1 ]] || die "json: exit $rc"
python3 - out.json <<'PY' || die "json output: $(cat out.json)"
import json, sys
d = json.load(open(sys.argv[1]))   # exactly one document: json.load refuses trailing data
assert d["valid"] is True and d["default"] is False and d["file"] == "policy.json" and d["version"] == "1.0", d
p = {x["name"]: x for x in d["policies"]}
assert p["prod"] == {"name": "prod", "scopes": ["localhost:5000/org/app"], "level": "strict", "requireInToto": True,
                     "requireImageDigests": True, "signingRoles": ["targets/releases"], "maxMetadataAge": "10m0s"}, p["prod"]
r = d["references"]
assert r[0] == {"reference": "localhost:5000/team/a", "gun": "localhost:5000/team/a", "policy": "team",
                "scope": "localhost:5000/team/*", "level": "permissive",
                "why": "scope localhost:5000/team/* of policy team (longest prefix)"}, r[0]
assert r[1]["error"]["code"] == "policy_denied" and r[1]["gun"] == "localhost:5000/other/app", r[1]
assert r[2]["error"]["code"] == "usage" and "gun" not in r[2], r[2]
PY
[[ $(wc -l <err.txt) == 1 ]] || die "json: stderr: $(cat err.txt)"
out=$(s -o json policy check)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["default"] is True and d["file"] is None and d["policies"][0]["name"] == "default" and d["references"] == [], d' "$out" ||
  die "json default: $out"
ok "-o json is one document, with each REF's policy or error"

# <dir>/policy.json is read when it exists; when it is bad, that is an error, never the default.
mkdir -p trust && cp policy.json trust/policy.json
out=$(s policy check localhost:5000/team/x)
[[ $out == "Policy file trust/policy.json: valid"* && $out == *"policy team (permissive)"* ]] || die "trust dir file: $out"
printf '{"version": "1.0", "policies": [{"name": "p", "scopes": ["*"], "signatureVerification": {"level": "skip"}}]}' >trust/policy.json
expect_fail 3 'trust/policy.json: policies[0] "p": signatureVerification.level: skip is not allowed on scope "*"' -- s policy check
expect_fail 3 'trust/policy.json: policies[0] "p": signatureVerification.level: skip' -- s policy check localhost:5000/a/b
rm trust/policy.json && ln -s nowhere.json trust/policy.json
expect_fail 5 'trust/policy.json' -- s policy check
rm trust/policy.json && mkfifo trust/policy.json
expect_fail 5 'not a regular file (FIFO)' -- timeout 10 "$SIGNY" -d trust policy check
rm trust/policy.json
ok "<dir>/policy.json is used when present, and a bad one (or a link to nothing, a FIFO) fails closed"

# Every rule reaches the command line as one line naming the policy and the key (exit 3).
bad() {  # bad MESSAGE-PART JSON-OF-ONE-POLICY
  printf '{"version": "1.0", "policies": [%s]}' "$2" >bad.json
  expect_fail 3 "$1" -- s policy check --policy bad.json
}
bad 'policies[0] "p": unknown key "registryScopes" (Notation'"'"'s registryScopes is "scopes" here)' \
    '{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"}}'
bad 'policies[0] "p": scopes[0]: "alpine" is not a GUN, a GUN prefix HOST[/PATH]/* or *: no registry host (a reference without one is Docker Hub'"'"'s: write docker.io/library/alpine)' \
    '{"name": "p", "scopes": ["alpine"], "signatureVerification": {"level": "strict"}}'
bad 'policies[0] "p": scopes[0]: "docker.io/nginx" is not a GUN, a GUN prefix HOST[/PATH]/* or *: write docker.io/library/nginx' \
    '{"name": "p", "scopes": ["docker.io/nginx"], "signatureVerification": {"level": "strict"}}'
bad 'policies[0] "p": signatureVerification.level: skip is not allowed on the prefix scope "localhost:5000/*" (skip only for explicit scopes: name each GUN)' \
    '{"name": "p", "scopes": ["localhost:5000/*"], "signatureVerification": {"level": "skip"}}'
bad 'policies[0] "p": trustedRoots: give "keys" or "ca", not both (with keys the CA would be ignored)' \
    '{"name": "p", "scopes": ["*"], "signatureVerification": {"level": "strict"}, "trustedRoots": {"keys": ["'"$(printf 'a%.0s' {1..64})"'"], "ca": "ca.pem"}}'
bad 'policies[1] "b": scopes[0]: "*" is already the scope of policy "a"' \
    '{"name": "a", "scopes": ["*"], "signatureVerification": {"level": "strict"}}, {"name": "b", "scopes": ["*"], "signatureVerification": {"level": "audit"}}'
bad 'policies[0] "p": signatureVerification: level: "lax" is not strict, permissive, audit or skip' \
    '{"name": "p", "scopes": ["*"], "signatureVerification": {"level": "lax"}}'
bad 'policies[0] "p": maxMetadataAge: invalid duration "10 minutes"' \
    '{"name": "p", "scopes": ["*"], "signatureVerification": {"level": "strict"}, "maxMetadataAge": "10 minutes"}'
bad 'policies[0] "p": scopes[0]: "localhost:5000/\x1b[31m" is not a GUN' \
    '{"name": "p", "scopes": ["localhost:5000/\u001b[31m"], "signatureVerification": {"level": "strict"}}'
printf '{"version": "1.0", "version": "1.0", "policies": []}' >bad.json
expect_fail 3 'bad.json: not a policy document' -- s policy check --policy bad.json
rc=0; s -o json policy check --policy bad.json >out.json 2>/dev/null || rc=$?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["category"] == "bad_input", d' out.json ||
  die "json error: $(cat out.json)"
ok "a bad policy file exits 3 with one line naming the policy and the key"

# trustedRoots.ca is read relative to the policy file and must exist.
mkdir conf
printf '{"version": "1.0", "policies": [{"name": "p", "scopes": ["*"], "signatureVerification": {"level": "strict"}, "trustedRoots": {"ca": "ca.pem"}}]}' >conf/policy.json
expect_fail 5 "policy \"p\": trustedRoots: ca: cannot open conf/ca.pem" -- s policy check --policy conf/policy.json
printf -- '-----BEGIN CERTIFICATE-----\n' >conf/ca.pem
out=$(s policy check --policy conf/policy.json) || die "ca present: $out"
[[ $out == *"root CA conf/ca.pem"* ]] || die "ca: $out"
ok "a trustedRoots.ca that is missing is an error naming the policy; present, it is shown by its path"

expect_fail 2 'a command is required; see signy policy --help' -- "$SIGNY" policy
expect_fail 5 'cannot open nope.json' -- s policy check --policy nope.json
ok "usage errors"
