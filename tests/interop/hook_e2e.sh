#!/usr/bin/env bash
# The pre-install hook end to end (issue 10 item 2; docs/security/hook.md) against notary-server
# (through a tampering proxy on loopback) and docker-registry: a thin and a thick bundle signed
# with their in-toto chain are allowed for every action (install, upgrade, invoke, uninstall, a
# custom action), by JSON request and by --env, with the verified digest and the digest-pinned
# images in the verdict; every attack of the TUF/Notary, OCI and in-toto issues (7-9) is denied
# for every action with a machine-readable class and code and its exit code; bad requests,
# oversized requests, a missed deadline and an unreachable server deny (fail closed).
source "$(dirname "$0")/lib.sh"
require notary-server
require docker-registry
require skopeo
require umoci
require in-toto-run
require in-toto-sign
require jq
py=/usr/bin/python3
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export SIGNY_RELEASES_PASSPHRASE=releases-pass-1

start_servers
echo pass >attack
pport=$(notary_harness_free_port)
"$py" "$SOURCE_DIR/tests/interop/tamper_proxy.py" "$pport" "$NOTARY_URL" "$NOTARY_CA" attack >/dev/null 2>&1 &
proxy_pid=$!
exit_pids+=("$proxy_pid")
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$pport") 2>/dev/null && break; sleep 0.1; done
pub() { "$SIGNY" -d pub --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
# The runtime's side: its own trust dir, the server through the proxy.
H=("$SIGNY" -d v --server "http://127.0.0.1:$pport" -t 3)

registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci"
registry_harness_image "$work/l2" b 2 >/dev/null 2>&1 || die "umoci"
read -r _ d1 s1 t1 < <(registry_harness_push "$work/l1" a src/inv:1) || die "push inv"
read -r _ d2 _ _ < <(registry_harness_push "$work/l2" b src/other:1) || die "push other"
gun=$OCIREG/org/app thickgun=$OCIREG/org/thick
one_image_bundle bundle.json app "$OCIREG/src/inv:1" "$d1" "$s1" "$t1"

# in-toto: step "package" makes the bundle, inspection "check" must find exactly that product.
package_layout
chain bundle.json links
pub sign bundle.json "$gun:v1" --in-toto --layout root.layout --links links --layout-key owner.pub >/dev/null 2>&1 || die "sign thin"
make_thick b.tgz hook
chain b.tgz tlinks
pub sign --thick b.tgz "$thickgun:v1" --in-toto --layout root.layout --links tlinks --layout-key owner.pub >/dev/null 2>&1 || die "sign thick"
# Another bundle signed with b.tgz's links (the in-toto attack: TUF accepts it, in-toto must not).
make_thick other.tgz other
pub sign --thick other.tgz "$thickgun:other" --in-toto --layout root.layout --links tlinks --layout-key owner.pub >/dev/null 2>&1 || die "sign other"
pub sign --thick b.tgz "$thickgun:v2" >/dev/null 2>&1 || die "sign v2"  # newer metadata for the rollback below
curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$thickgun/_trust/tuf/timestamp.json" -o ts-old.json
pub sign --thick b.tgz "$thickgun:v3" >/dev/null 2>&1 || die "sign v3"

extra=()  # more hook options for the next call
actions=(install upgrade invoke uninstall io.cnab.status)
thin_req() { printf '{"version":"1","action":"%s","bundle":{"reference":"%s"},"runtime":"hook_e2e"}' "$1" "$2"; }
thick_req() { printf '{"action":"%s","bundle":{"reference":"%s","path":"%s"}}' "$1" "$2" "$3"; }
# hook REQUEST [SIGNY...]: runs the hook, sets $verdict, $rc and $err; the verdict must be one
# JSON line whatever happened, its exit code the verdict's class.
hook() {
  local req=$1; shift
  local cmd=("${H[@]}"); (($#)) && cmd=("$@")
  rc=0
  verdict=$(printf '%s' "$req" | "${cmd[@]}" hook pre-install "${extra[@]}" 2>err) || rc=$?
  err=$(cat err)
  [[ $(printf '%s\n' "$verdict" | wc -l) == 1 ]] || die "the verdict is not one line: $verdict"
  jq -e . >/dev/null <<<"$verdict" || die "the verdict is not JSON: $verdict"
  [[ $(jq -r .version <<<"$verdict") == 1 ]] || die "no protocol version: $verdict"
  printf '%s\n' "$verdict" >>verdicts.jsonl  # checked against the JSON Schema at the end
}
allow() {  # allow REQUEST: exit 0, verdict allow with the bundle and its images
  hook "$@"
  [[ $rc == 0 && $(jq -r .verdict <<<"$verdict") == allow && $err != *"signy: hook: deny"* ]] || die "not allowed ($rc): $verdict $err"
}
# deny EXIT DENIAL CODE REQUEST [SIGNY...]: denied with that class and error code, no image named.
deny() {
  local code=$1 denial=$2 errc=$3; shift 3
  hook "$@"
  [[ $rc == "$code" ]] || die "expected exit $code, got $rc: $verdict"
  [[ $(jq -r .verdict <<<"$verdict") == deny && $(jq -r .denial <<<"$verdict") == "$denial" ]] || die "not a $denial deny: $verdict"
  [[ $(jq -r .error.code <<<"$verdict") == "$errc" ]] || die "expected error code $errc: $verdict"
  [[ $(jq -r '.images | length' <<<"$verdict") == 0 && $(jq -r .bundle <<<"$verdict") == null ]] || die "a deny names images: $verdict"
  [[ $err == "signy: hook: deny ($denial): "* && $(wc -l <err) == 1 ]] || die "stderr: $err"
}

# Allowed, every action, thin and thick, with the in-toto chain verified.
for a in "${actions[@]}"; do
  allow "$(thin_req "$a" "$gun:v1")"
  [[ $(jq -r .action <<<"$verdict") == "$a" && $(jq -r .bundle.digest <<<"$verdict") == "sha256:$(sha256sum bundle.json | cut -d' ' -f1)" &&
     $(jq -r .bundle.length <<<"$verdict") == "$(stat -c %s bundle.json)" && $(jq -r .role <<<"$verdict") == targets/releases &&
     $(jq -r '.images[0].reference' <<<"$verdict") == "$OCIREG/src/inv@$d1" && $(jq -r .inToto.linksVerified <<<"$verdict") == 1 &&
     $(jq -r .runtime <<<"$verdict") == hook_e2e ]] || die "thin $a verdict: $verdict"
  [[ $(jq -r '[.checks[] | select(.name == "in-toto")][0].status' <<<"$verdict") == passed ]] || die "in-toto not checked: $verdict"
  allow "$(thick_req "$a" "$thickgun:v1" b.tgz)"
  [[ $(jq -r .bundle.digest <<<"$verdict") == "sha256:$(sha256sum b.tgz | cut -d' ' -f1)" &&
     $(jq -r '.images | length' <<<"$verdict") == 2 && $(jq -r '.inToto.inspectionsRun' <<<"$verdict") == 1 ]] || die "thick $a verdict: $verdict"
done
[[ -z ${HOOK_SAMPLES:-} ]] || { allow "$(thin_req install "$gun:v1")"; printf '%s\n' "$verdict" >"$HOOK_SAMPLES/allow.json"; }
ok "a thin and a thick bundle with their in-toto chains are allowed for every action (${#actions[@]}), with digest, role and pinned images"

# --env: the CNAB runtime variables; the bundle the runtime names must be the verified one.
rc=0
verdict=$(CNAB_ACTION=upgrade SIGNY_BUNDLE_REFERENCE=$gun:v1 CNAB_INSTALLATION_NAME=prod CNAB_BUNDLE_NAME=app CNAB_BUNDLE_VERSION=0.1.0 \
  "${H[@]}" hook pre-install --env 2>err) || rc=$?
[[ $rc == 0 && $(jq -r .verdict <<<"$verdict") == allow && $(jq -r '.checks[-1].name' <<<"$verdict") == runtime-bundle ]] || die "--env: $verdict"
rc=0
verdict=$(CNAB_ACTION=upgrade SIGNY_BUNDLE_REFERENCE=$gun:v1 CNAB_BUNDLE_NAME=evil "${H[@]}" hook pre-install --env 2>err) || rc=$?
[[ $rc == 1 && $(jq -r .verdict <<<"$verdict") == deny && $(jq -r .error.code <<<"$verdict") == policy_denied &&
   $(jq -r .reason <<<"$verdict") == *'CNAB_BUNDLE_NAME is "evil"'* ]] || die "--env with another bundle name: $verdict"
ok "--env: allowed from the CNAB runtime variables; a CNAB_BUNDLE_NAME other than the verified bundle.json's is denied"

# TUF/Notary (issue 7), through the proxy, every action: a bad signature, a rollback, tampered
# targets, a tampered bundle, an unsigned tag, a stalled server.
tuf_attack() {  # tuf_attack CONTROL EXIT DENIAL CODE
  echo "$1" >attack
  for a in "${actions[@]}"; do deny "$2" "$3" "$4" "$(thick_req "$a" "$thickgun:v3" b.tgz)"; done
  echo pass >attack
}
tuf_attack "badsig timestamp" 1 verification threshold_not_met
tuf_attack "replay timestamp ts-old.json" 1 verification rollback
rm -f v/tuf/"$thickgun"/metadata/targets.json  # so that the tampered copy is fetched
tuf_attack "flip targets" 1 verification hash_mismatch
rm -f v/tuf/"$thickgun"/metadata/snapshot.json
tuf_attack "flip snapshot" 1 verification hash_mismatch
tuf_attack "nosig snapshot" 1 verification length_mismatch
tuf_attack "nosig timestamp" 1 verification threshold_not_met
tuf_attack "endless timestamp" 1 verification too_large
# Freeze: the server's timestamp is valid for 14 days; 15 days on, the same metadata is refused.
for a in "${actions[@]}"; do
  deny 1 verification expired "$(thick_req "$a" "$thickgun:v3" b.tgz)" \
    env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" faketime '+15 days' "${H[@]}"
done
printf x >>tampered.tgz && cat b.tgz tampered.tgz >t.tgz
for a in "${actions[@]}"; do
  deny 1 verification length_mismatch "$(thick_req "$a" "$thickgun:v3" t.tgz)"
  deny 3 not_signed not_signed "$(thick_req "$a" "$thickgun:nosuchtag" b.tgz)"
done
allow "$(thick_req install "$thickgun:v3" b.tgz)"
ok "TUF/Notary attacks (bad or no signature on timestamp and snapshot, rollback, freeze, tampered snapshot and targets, endless data, tampered bundle) and an unsigned tag are denied for every action"

# OCI (issue 8): the registry re-points the invocation image's tag; the bundle index is swapped.
registry_harness_push "$work/l2" b src/inv:1 >/dev/null || die "swap the tag"
for a in "${actions[@]}"; do deny 1 verification image_mismatch "$(thin_req "$a" "$gun:v1")"; done
[[ -z ${HOOK_SAMPLES:-} ]] || { printf '%s\n' "$verdict" >"$HOOK_SAMPLES/deny.json"; printf '%s\n' "$err" >"$HOOK_SAMPLES/deny.err"; }
registry_harness_push "$work/l1" a src/inv:1 >/dev/null || die "restore the tag"
allow "$(thin_req install "$gun:v1")"
ok "OCI: an image tag re-pointed after signing is denied for every action (and allowed again once restored)"

# in-toto (issue 9): a bundle published with another bundle's links.
for a in "${actions[@]}"; do deny 1 verification rule_failed "$(thick_req "$a" "$thickgun:other" other.tgz)"; done
ok "in-toto: a bundle signed with another bundle's links is denied for every action"

# Fail closed: malformed, unknown keys, oversized, a missed deadline, an unreachable server.
deny 2 bad_request malformed_json '{"action":"install"}'
deny 2 bad_request malformed_json "$(printf '{"action":"install","bundle":{"reference":"%s"},"skip":true}' "$gun:v1")"
deny 2 bad_request duplicate_key "$(printf '{"action":"install","action":"x","bundle":{"reference":"%s"}}' "$gun:v1")"
deny 2 bad_request unsupported_value "$(printf '{"version":"2","action":"install","bundle":{"reference":"%s"}}' "$gun:v1")"
deny 2 bad_request too_large "$(head -c 70000 /dev/zero | tr '\0' ' ')"
deny 2 bad_request malformed_json ''
echo "stall timestamp" >attack
extra=(--deadline 2s)
deny 4 infrastructure network "$(thin_req install "$gun:v1")" "$SIGNY" -d v --server "http://127.0.0.1:$pport" -t 30
[[ $(jq -r .reason <<<"$verdict") == "the hook's deadline (2s) passed before a verdict" ]] || die "deadline: $verdict"
extra=()
echo pass >attack
port=$(notary_harness_free_port)
deny 4 infrastructure network "$(thin_req install "$gun:v1")" "$SIGNY" -d v --server "http://127.0.0.1:$port" -t 3
ok "malformed, unknown-key, duplicate-key, unsupported-version, oversized and empty requests, a missed deadline and an unreachable server deny"

# examples/runtime.sh plays the runtime: it asks before each action and uses only the verdict's
# digest-pinned images; it refuses a tampered thick bundle and a thin bundle whose image tag moved.
export SIGNY SIGNY_FLAGS="-d $work/v --server http://127.0.0.1:$pport -t 3" SKOPEO_FLAGS=--src-tls-verify=false
runtime=$SOURCE_DIR/examples/runtime.sh
for a in "${actions[@]}"; do
  out=$(RUNTIME_DIR=$work/rt-thin-$a "$runtime" "$a" "$gun:v1" 2>&1) || die "runtime $a thin: $out"
  [[ -z ${HOOK_SAMPLES:-} || $a != install ]] || printf '%s\n' "$out" >"$HOOK_SAMPLES/runtime-thin.txt"
  [[ $out == *"runtime: $a $gun:v1 allowed (bundle sha256:$(sha256sum bundle.json | cut -d' ' -f1), signed by targets/releases)"* &&
     $out == *"runtime: pulled invocationImages[0] as $OCIREG/src/inv@$d1"* &&
     $out == *"would run /cnab/app/run in $OCIREG/src/inv@$d1 with CNAB_ACTION=$a (1 images, by digest)"* ]] || die "runtime $a thin: $out"
  out=$(RUNTIME_DIR=$work/rt-thick-$a "$runtime" "$a" "$thickgun:v1" b.tgz 2>&1) || die "runtime $a thick: $out"
  [[ $out == *"allowed (bundle sha256:$(sha256sum b.tgz | cut -d' ' -f1), signed by targets/releases)"* &&
     $out == *"loaded web as "*"@sha256:"*" from the bundle"* && $out == *"(2 images, by digest)"* ]] || die "runtime $a thick: $out"
done
[[ $(ls "$work/rt-thin-install/images/blobs/sha256" | wc -l) -ge 2 ]] || die "the runtime pulled nothing"
rc=0; out=$(RUNTIME_DIR=$work/rt-bad "$runtime" install "$thickgun:v1" t.tgz 2>&1) || rc=$?
[[ $rc == 1 && $out == *"runtime: refusing to install $thickgun:v1: verification: length_mismatch: "* && $out != *"would run"* ]] ||
  die "runtime with a tampered bundle ($rc): $out"
[[ -z ${HOOK_SAMPLES:-} ]] || printf '%s\n' "$out" >"$HOOK_SAMPLES/runtime-tampered.txt"
registry_harness_push "$work/l2" b src/inv:1 >/dev/null || die "swap the tag"
rc=0; out=$(RUNTIME_DIR=$work/rt-bad2 "$runtime" upgrade "$gun:v1" 2>&1) || rc=$?
[[ $rc == 1 && $out == *"verification: image_mismatch: "* && ! -d $work/rt-bad2/images ]] || die "runtime with a moved tag ($rc): $out"
registry_harness_push "$work/l1" a src/inv:1 >/dev/null || die "restore the tag"
rc=0; out=$(RUNTIME_DIR=$work/rt-bad3 "$runtime" uninstall "$thickgun:nosuchtag" b.tgz 2>&1) || rc=$?
[[ $rc == 3 && $out == *"refusing to uninstall"* ]] || die "runtime with an unsigned tag ($rc): $out"
ok "examples/runtime.sh runs a thin and a thick bundle for every action by the verdict's digests, and refuses a tampered bundle, a moved image tag and an unsigned tag"

# Every verdict above against docs/security/hook-verdict.schema.json.
"$py" - "$SOURCE_DIR/docs/security/hook-verdict.schema.json" verdicts.jsonl <<'PY' || die "a verdict breaks the schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
n = 0
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema, cls=jsonschema.Draft202012Validator)
    n += 1
assert n > 50, n
PY
# The request schema says what the parser says: the requests sent above pass, the refused ones fail.
"$py" - "$SOURCE_DIR/docs/security/hook-request.schema.json" "$(thin_req install "$gun:v1")" "$(thick_req upgrade "$thickgun:v1" b.tgz)" <<'PY' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema)
for good in sys.argv[2:]:
    v.validate(json.loads(good))
for bad in ['{"action":"install"}', '{"action":"install","bundle":{"reference":"r:1"},"skip":true}',
            '{"version":"2","action":"install","bundle":{"reference":"r:1"}}', '{"action":"rm -rf","bundle":{"reference":"r:1"}}',
            '{"action":"install","bundle":{"reference":"r\\u001b"}}', '{"action":"install","bundle":{"reference":""}}',
            '{"action":"install","bundle":{"reference":"r:1","digest":"x"}}']:
    assert not v.is_valid(json.loads(bad)), bad
PY
  die "the request schema disagrees with the parser"
ok "all $(wc -l <verdicts.jsonl) verdicts match the verdict JSON Schema; the request schema accepts the requests sent and refuses the hostile ones"
