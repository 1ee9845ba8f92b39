#!/usr/bin/env bash
# The registry harness itself (scripts/registry-harness.sh), with skopeo and curl only: each
# docker-registry flavour (plain, htpasswd Basic, TLS, class policy) starts on 127.0.0.1 only, test
# images are deterministic, pushed and read back by digest; Basic auth and TLS refuse what they
# must; the class policy answers 403 DENIED to cnab-to-oci's first config manifest and accepts its
# fallbacks; a tag can be re-pointed and a manifest deleted (the "registry swaps a tag" tests).
source "$(dirname "$0")/lib.sh"
require docker-registry
require skopeo
require umoci
require htpasswd
source "${SOURCE_DIR:?}/scripts/registry-harness.sh"
trap 'rc=$?; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
accept="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json"
accept+=",application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"
# status ARGS...: the HTTP status curl (with the current registry's CA and credentials) gets.
status() { registry_harness_curl -s -o /dev/null -w '%{http_code}' "$@" || true; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Unknown flavours are refused before anything starts.
rc=0
registry_harness_start "$work/bad" token 2>/dev/null || rc=$?
[[ $rc == 2 && ! -e $work/bad/registry.log ]] || die "unknown flavour: exit $rc"

# Deterministic images: the same seed gives the same bytes, another seed other bytes.
registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci build"
registry_harness_image "$work/l2" a 1 >/dev/null 2>&1 || die "umoci build"
registry_harness_image "$work/l2" b 2 >/dev/null 2>&1 || die "umoci build"
d1=$(skopeo inspect --raw "oci:$work/l1:a" | sha256sum | cut -d' ' -f1)
[[ $d1 == $(skopeo inspect --raw "oci:$work/l2:a" | sha256sum | cut -d' ' -f1) ]] || die "same seed, other manifest"
[[ $d1 != $(skopeo inspect --raw "oci:$work/l2:b" | sha256sum | cut -d' ' -f1) ]] || die "other seed, same manifest"
ok "test images are deterministic (seed 1: sha256:$d1)"

# plain: push (OCI and Docker schema2) and read back by digest.
registry_harness_start "$work/plain" plain >/dev/null || die "plain registry did not start"
plain=$work/plain
[[ $OCIREG_URL == http://127.0.0.1:* ]] || die "plain URL $OCIREG_URL"
listen=$(ss -Hltn "sport = :$OCIREG_PORT" | awk '{print $4}')
[[ $listen == "127.0.0.1:$OCIREG_PORT" ]] || die "registry listens on '$listen', not on loopback only"
read -r ref digest size type < <(registry_harness_push "$work/l1" a test/app:v1) || die "skopeo push"
[[ $ref == test/app:v1 && $digest == "sha256:$d1" && $type == application/vnd.oci.image.manifest.v1+json ]] ||
  die "pushed $ref $digest $size $type"
skopeo inspect --raw --tls-verify=false "docker://$OCIREG/test/app@$digest" >m.json || die "skopeo inspect by digest"
[[ sha256:$(sha m.json) == "$digest" && $(stat -c %s m.json) == "$size" ]] || die "manifest read back differs"
skopeo copy -q --src-tls-verify=false "docker://$OCIREG/test/app@$digest" "oci:$work/back:x" >/dev/null || die "skopeo pull"
[[ $(skopeo inspect --raw "oci:$work/back:x" | sha256sum | cut -d' ' -f1) == "$d1" ]] || die "pulled image differs"
read -r _ d2s2 _ type2 < <(registry_harness_push "$work/l1" a test/docker:v1 v2s2) || die "skopeo push v2s2"
[[ $type2 == application/vnd.docker.distribution.manifest.v2+json && $d2s2 != "$digest" ]] || die "v2s2 push: $d2s2 $type2"
[[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/test/docker/manifests/$d2s2") == 200 ]] || die "v2s2 by digest"
out=$(registry_harness_push_images 3 test/many) || die "push_images"
[[ $(wc -l <<<"$out") == 3 && $(head -1 <<<"$out") == "test/many:img1 sha256:$d1 "* ]] || die "push_images: $out"
ok "plain HTTP on 127.0.0.1:$OCIREG_PORT only: OCI and Docker schema2 images pushed and read back by digest"

# basic: htpasswd (bcrypt) refuses no or wrong credentials and accepts the right ones.
registry_harness_start "$work/basic" basic >/dev/null || die "basic registry did not start"
grep -q '^signy:\$2y\$' "$work/basic/htpasswd" || die "htpasswd file is not bcrypt"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$OCIREG_URL/v2/") == 401 ]] || die "no credentials accepted"
challenge=$(curl -s -D - -o /dev/null "$OCIREG_URL/v2/" | tr -d '\r' | sed -n 's/^[Ww]ww-[Aa]uthenticate: //p')
[[ $challenge == 'Basic realm="signy-registry-harness"' ]] || die "challenge: $challenge"
[[ $(curl -s -o /dev/null -w '%{http_code}' -u "signy:wrong" "$OCIREG_URL/v2/") == 401 ]] || die "wrong password accepted"
[[ $(status "$OCIREG_URL/v2/") == 200 ]] || die "right password refused"
registry_harness_push "$work/l1" a test/app:v1 >/dev/null || die "skopeo push with credentials"
! skopeo inspect --raw --tls-verify=false --creds signy:wrong "docker://$OCIREG/test/app:v1" >/dev/null 2>&1 ||
  die "skopeo read with a wrong password"
skopeo inspect --raw --tls-verify=false --creds "$OCIREG_USER:$OCIREG_PASSWORD" "docker://$OCIREG/test/app@sha256:$d1" >/dev/null ||
  die "skopeo read with the password"
ok "htpasswd Basic auth: 401 without or with a wrong password, 200 and push/pull with the right one"

# tls: the generated CA verifies the server as 127.0.0.1 and localhost; without it, refused.
registry_harness_start "$work/tls" tls >/dev/null || die "TLS registry did not start"
[[ $OCIREG_URL == https://127.0.0.1:* && -f $OCIREG_CERT_DIR/ca.crt ]] || die "TLS env: $OCIREG_URL $OCIREG_CERT_DIR"
[[ $(status "$OCIREG_URL/v2/") == 200 ]] || die "TLS with the CA"
[[ $(status --resolve "localhost:$OCIREG_PORT:127.0.0.1" "https://localhost:$OCIREG_PORT/v2/") == 200 ]] ||
  die "TLS as localhost"
rc=0
curl -s -o /dev/null "$OCIREG_URL/v2/" || rc=$?
[[ $rc == 60 ]] || die "TLS without the CA: curl exit $rc, expected 60 (certificate not trusted)"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$OCIREG/v2/") == 400 ]] || die "plain HTTP to the TLS port"
registry_harness_push "$work/l1" a test/app:v1 >/dev/null || die "skopeo push with the CA"
! skopeo inspect --raw "docker://$OCIREG/test/app:v1" >/dev/null 2>&1 || die "skopeo trusted the server without the CA"
skopeo inspect --raw --cert-dir "$OCIREG_CERT_DIR" "docker://$OCIREG/test/app@sha256:$d1" >/dev/null ||
  die "skopeo with certs.d/127.0.0.1:PORT/ca.crt"
ok "TLS: trusted with the generated CA (127.0.0.1, localhost, certs.d layout), refused without it"

# policy: cnab-to-oci's config manifest (config type application/vnd.cnab.config.v1+json) gets
# 403 DENIED; its fallbacks (OCI image config type; Docker schema2 with layers = [config]) pass.
registry_harness_start "$work/policy" policy >/dev/null || die "policy registry did not start"
registry_harness_push "$work/l1" a test/bundle:img >/dev/null || die "an image pushed to the policy registry"
img_size=$(skopeo inspect --raw --tls-verify=false "docker://$OCIREG/test/bundle@sha256:$d1" | wc -c)
# A canonical (RFC 8785: sorted keys, no whitespace) bundle.json naming that image.
printf '{"description":"","invocationImages":[{"contentDigest":"sha256:%s","image":"%s/test/bundle@sha256:%s","imageType":"oci","mediaType":"application/vnd.oci.image.manifest.v1+json","size":%d}],"name":"harness","schemaVersion":"v1.0.0","version":"0.1.0"}' \
  "$d1" "$OCIREG" "$d1" "$img_size" >bundle.json
cfg=$(registry_harness_put_blob test/bundle bundle.json) || die "config blob upload"
[[ $cfg == "sha256:$(sha bundle.json)" ]] || die "blob digest $cfg"
[[ $(status -I "$OCIREG_URL/v2/test/bundle/blobs/$cfg") == 200 ]] || die "config blob not stored"
registry_harness_cnab_config_manifest bundle.json >cm1.json
out=$(registry_harness_put_manifest test/bundle "sha256:$(sha cm1.json)" cm1.json application/vnd.oci.image.manifest.v1+json)
[[ $out == "403 "*'"code":"DENIED"'*'unknown manifest class for application/vnd.cnab.config.v1+json'* ]] ||
  die "policy registry on the cnab config type: $out"
[[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/test/bundle/manifests/sha256:$(sha cm1.json)") == 404 ]] ||
  die "the refused manifest is stored"
registry_harness_cnab_config_manifest bundle.json application/vnd.oci.image.config.v1+json >cm2.json
out=$(registry_harness_put_manifest test/bundle "sha256:$(sha cm2.json)" cm2.json application/vnd.oci.image.manifest.v1+json)
[[ $out == "201 " ]] || die "fallback 2 (OCI image config type): $out"
# Level 3: Docker schema2, 3-space indent, layers = [the config descriptor].
cfg_size=$(stat -c %s bundle.json)
printf '{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": {\n      "mediaType": "application/vnd.docker.container.image.v1+json",\n      "size": %d,\n      "digest": "%s"\n   },\n   "layers": [\n      {\n         "mediaType": "application/vnd.docker.container.image.v1+json",\n         "size": %d,\n         "digest": "%s"\n      }\n   ]\n}' \
  "$cfg_size" "$cfg" "$cfg_size" "$cfg" >cm3.json
out=$(registry_harness_put_manifest test/bundle "sha256:$(sha cm3.json)" cm3.json application/vnd.docker.distribution.manifest.v2+json)
[[ $out == "201 " ]] || die "fallback 3 (Docker schema2): $out"
# The class policy applies to image manifests only: the index over fallback 2 is accepted.
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.cnab.manifest.type":"config"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.cnab.manifest.type":"invocation"}}],"annotations":{"io.cnab.runtime_version":"v1.0.0"}}' \
  "$(sha cm2.json)" "$(stat -c %s cm2.json)" "$d1" "$img_size" >index.json
out=$(registry_harness_put_manifest test/bundle v1 index.json application/vnd.oci.image.index.v1+json)
[[ $out == "201 " && $(registry_harness_describe test/bundle:v1) == "test/bundle:v1 sha256:$(sha index.json) "* ]] ||
  die "index on the policy registry: $out"
# Without the policy the first form is accepted: the refusal is the class policy's.
registry_harness_use "$plain"
[[ $(registry_harness_put_blob test/bundle bundle.json) == "$cfg" ]] || die "config blob upload (plain)"
out=$(registry_harness_put_manifest test/bundle "sha256:$(sha cm1.json)" cm1.json application/vnd.oci.image.manifest.v1+json)
[[ $out == "201 " ]] || die "plain registry on the cnab config type: $out"
ok "class policy: 403 DENIED to the cnab config manifest, fallbacks 2 and 3 and the index accepted; plain registry accepts it"

# Swaps: a tag re-pointed to another manifest (skopeo, then a PUT of the old bytes by tag), the
# old manifest still there by digest; a manifest deleted by digest is gone.
read -r _ da _ _ < <(registry_harness_push "$work/l2" a test/swap:v1) || die "push a"
read -r _ db _ _ < <(registry_harness_push "$work/l2" b test/swap:v1) || die "push b over the tag"
[[ $da == "sha256:$d1" && $db != "$da" ]] || die "swap digests $da $db"
now=$(registry_harness_describe test/swap:v1) || die "describe"
[[ $now == "test/swap:v1 $db "* ]] || die "tag not re-pointed: $now"
[[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/test/swap/manifests/$da") == 200 ]] || die "old manifest gone"
registry_harness_curl -sf -H "Accept: $accept" "$OCIREG_URL/v2/test/swap/manifests/$da" >a.json || die "GET a"
out=$(registry_harness_put_manifest test/swap v1 a.json application/vnd.oci.image.manifest.v1+json)
[[ $out == "201 " && $(registry_harness_describe test/swap:v1) == "test/swap:v1 $da "* ]] || die "re-point by PUT: $out"
[[ $(status -X DELETE "$OCIREG_URL/v2/test/swap/manifests/$db") == 202 ]] || die "DELETE by digest"
[[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/test/swap/manifests/$db") == 404 ]] || die "deleted manifest served"
# Deleting the manifest a tag points to deletes the tag (distribution 2.8.2).
[[ $(status -X DELETE "$OCIREG_URL/v2/test/swap/manifests/$da") == 202 ]] || die "DELETE of the tagged manifest"
[[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/test/swap/manifests/v1") == 404 ]] || die "tag outlived its manifest"
ok "a tag re-pointed to another manifest and back; deleted manifests (and their tags) answer 404"

# stop: every registry gone, logs printed on failure.
pids=$(for d in plain basic tls policy; do sed -n 's/^OCIREG_PID=//p' "$work/$d/env"; done)
registry_harness_stop 1 2>stop.err
grep -q "last lines of $work/plain/registry.log" stop.err && grep -q "\"HEAD /v2/test/swap/manifests/$db HTTP/1.1\" 404" stop.err ||
  die "logs not shown on failure: $(head -3 stop.err)"
for p in $pids; do ! kill -0 "$p" 2>/dev/null || die "registry $p still running"; done
ok "registry_harness_stop stops all four registries and shows their logs on failure"
