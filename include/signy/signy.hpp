// libsigny: verify a CNAB bundle before running it, and sign one (issue 10 item 5; cnab-spec 300-303).
// The one public header of the installed library: standard types only, nothing of signy's modules.
//   find_package(signy) + target_link_libraries(app PRIVATE signy::signy), or pkg-config signy.
// verify() is the workflow behind `signy verify` and `signy hook pre-install` (api::verify_bundle):
// the same checks, the same policy file, the same exit-code categories. Nothing here throws.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if defined(SIGNY_LIB_BUILD)
#define SIGNY_LIB_API __attribute__((visibility("default")))
#else
#define SIGNY_LIB_API
#endif

namespace signy::lib {

// The library's version ("0.1.0": the signy release it was built from).
SIGNY_LIB_API std::string version();

// A failure: `code` names the check that failed ("hash_mismatch", "not_signed", "network", ...),
// `category` its class and `exit_code` the exit code `signy` gives it (README "Exit codes":
// 1 verification, 2 usage, 3 bad_input, 4 network, 5 local_io, 6 internal).
struct Error {
  std::string code;
  std::string category;
  int exit_code = 6;
  std::string message;  // one line: "<what failed>: <why>", never a secret
};

// The command line's global options.
struct Options {
  std::string trust_dir;      // -d/--dir; empty: $HOME/.signy
  std::string server;         // --server: "https://notary:4443" or "file:///path"; empty: file://<trust dir>/server
  std::string tls_ca_file;    // --tlscacert: the Notary server's CA
  std::string registry_ca_file;                  // --registry-ca
  std::vector<std::string> insecure_registries;  // --insecure-registry HOST[:PORT]
  std::chrono::milliseconds timeout{30'000};     // -t/--timeout, per request
  std::string policy_file;     // --policy; empty: <trust dir>/policy.json when it exists, else the default policy
  std::string repository_map;  // --map (TAP 4 map.json); empty: <trust dir>/map.json when it exists
  // Passphrases of the trust dir's private keys (sign only): role ("root", "targets", ...), key ID,
  // and whether a new key is being encrypted; nullopt gives up. Unset: the environment only
  // (SIGNY_ROOT_PASSPHRASE, SIGNY_TARGETS_PASSPHRASE, ...); the library never prompts.
  std::function<std::optional<std::string>(std::string_view role, std::string_view key_id, bool creating)> passphrase;
};

// An image a runtime may run: bundle.json's name and image, and the digest-pinned reference
// ("repo@sha256:...") that was verified: run only this.
struct Image {
  std::string name;
  std::string image;
  std::string reference;
};

struct VerifyRequest {
  std::string reference;          // REF: registry/repository:tag (the TUF collection and target)
  std::string thick_file;         // a thick bundle archive; empty: a thin bundle pulled by REF
  std::string action = "verify";  // install | upgrade | invoke | uninstall | custom: every one verified alike
  std::string relocation_map;     // Porter's relocation-mapping.json, for the images
  bool allow_unpinned = false;    // accept images without contentDigest (a policy may still require them)
  bool require_in_toto = false;   // verify the in-toto supply chain even when the policy does not ask for it
  std::string in_toto_dir;        // read the in-toto files from here (offline); checked against TUF all the same
  std::string runtime;            // who asks (recorded in the report only)
};

// One step of the workflow, in order: policy, tuf, signing-role, bundle-digest, bundle-schema,
// in-toto, images. status: passed | failed | warned | skipped.
struct Check {
  std::string name;
  std::string status;
  std::string detail;
  std::string error_code;  // failed and warned checks: the Error code
};

struct InTotoSummary {
  std::string layout;                    // the layout's target name
  std::string layout_keys_from;          // "targets" or "root"
  std::vector<std::string> layout_keys;  // in-toto key IDs
  std::vector<std::string> links;
  std::uint64_t links_verified = 0;
  std::uint64_t inspections_run = 0;
};

struct VerifyReport {
  bool allowed = false;       // the verdict: run the bundle only when true
  std::string denial;         // none | verification | not_signed | bad_request | infrastructure
  std::optional<Error> error;  // what decided a deny (or, at policy level audit, what was only logged)
  std::string reason;         // one line for the user

  std::string action, reference, runtime;
  std::string policy, policy_scope, level;  // the policy applied: its name, the matching scope, its level

  // Set once verified:
  std::string gun, target;
  std::string role;               // the role that signed the bundle
  std::int64_t role_version = 0;  // that role's metadata version
  std::uint64_t length = 0;       // of the verified bundle bytes
  std::string sha256, sha512;     // lowercase hex
  std::string bundle_json;        // the verified bundle.json bytes
  bool trusted_on_first_use = false;
  std::vector<Image> images;
  std::optional<InTotoSummary> in_toto;
  std::vector<std::string> repositories;  // TAP 4: the repositories that agreed

  std::vector<Check> checks;
  std::vector<std::string> warnings;
};

// Never fails: any error (bad request, network, a check) is a report that denies.
SIGNY_LIB_API VerifyReport verify(const VerifyRequest& request, const Options& options = {}) noexcept;

struct SignRequest {
  std::string reference;  // REF: the collection (GUN) and target (tag)
  std::string file;       // bundle.json (thin: pushed to REF's registry first) or a thick archive
  bool thick = false;
  std::string relocation_map_out;  // thin: write the relocation map of the images copied here
  bool allow_unpinned = false;     // accept images without contentDigest (each named in a warning)
  // Only when the collection is created:
  std::string root_key_file;   // an encrypted PEM root key to import
  std::string root_key_id;     // the trust dir's root key to use (when it holds several)
  std::string targets_key_id;  // the trust dir's targets key to reuse
  bool local_snapshot = false;  // keep the snapshot key here (default: the Notary server holds it)
  // --in-toto: publish a signed layout and the bundle's links with it (all three or none;
  // layout_key optional).
  std::string in_toto_layout, in_toto_links, in_toto_layout_key;
};

struct SignResult {
  std::optional<Error> error;  // set: nothing below is meaningful
  std::string gun, target, role;
  std::int64_t version = 0;  // the new version of `role`
  bool initialized = false;  // the collection was created
  std::uint64_t length = 0;
  std::string sha256, sha512;
  std::string index_digest;  // thin: what REF's tag points to now
  std::vector<Image> images;  // thin: the copies in REF's repository
  std::vector<std::string> in_toto_targets;
  std::vector<std::string> warnings;
};

SIGNY_LIB_API SignResult sign(const SignRequest& request, const Options& options = {}) noexcept;

}  // namespace signy::lib
