// The one verification workflow (issue 10 item 1; cnab-spec 303): behind `signy verify`, the
// pre-install hook (`signy hook pre-install`) and the library, so there is one path.
//
// 303's steps, in order, each recorded as a Check:
//   "policy"         the policy the bundle's GUN gets (policy::select); skip ends here (allow)
//   "tuf"            the collection's TUF metadata refreshed (or, within maxMetadataAge, the
//                    trust cache re-verified) and the bundle's target found (TAP 4: every
//                    repository the map names for it, agreeing to the threshold)
//   "signing-role"   the role that signed the target is one the policy allows
//   "bundle-digest"  the bundle's bytes (thin: the config blob from the registry; thick: the
//                    archive) against the target's length and hashes
//   "bundle-schema"  bundle.json against the CNAB schema (cnab-spec 101)
//   "in-toto"        when the target lists in-toto metadata, or the policy or the request requires it
//   "images"         every image the bundle names, digest-pinned and checked
// A check that did not run because an earlier one failed is "skipped"; so is one that does not
// apply (in-toto of a target without in-toto metadata, not required), its detail saying so. The report is a value: a
// denial is a Report with verdict deny, never an exception; any error on any path denies.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "signy/api/api.hpp"
#include "signy/api/intoto_dist.hpp"
#include "signy/policy/policy.hpp"

namespace signy::api {

struct BundleRequest {
  // install | upgrade | invoke | uninstall | a custom action (cnab-spec 101 custom actions):
  // recorded in the report; every action is verified alike.
  std::string action = "verify";
  std::string reference;                          // REF: registry/repository:tag (or @digest)
  std::optional<std::filesystem::path> thick_file;  // a thick bundle archive; unset: thin, pulled by REF
  ImageOptions images;                            // relocation map; allow_unpinned (a policy may forbid it)
  bool require_in_toto = false;                   // signy verify --in-toto
  InTotoVerifyOptions in_toto;                    // --in-toto-dir, inspection limits
  std::string runtime;                            // the runtime asking (hook requests), for the report only
};

struct Environment {
  Context context;
  // The policy document; unset: <trust dir>/policy.json when it exists, else
  // policy::default_document(). A policy file that cannot be read or parsed denies.
  std::optional<policy::Document> policy;
};

enum class CheckStatus { passed, failed, warned, skipped };
std::string_view check_status_name(CheckStatus s) noexcept;

struct Check {
  std::string name;    // one of the names above
  CheckStatus status = CheckStatus::skipped;
  std::string detail;  // one line: what was checked, or why it failed
  std::optional<Errc> error;  // the failure's code (failed and warned checks)
};

enum class Verdict { allow, deny };
// Why a bundle was denied, for the hook's exit code and the verdict's "reason" class.
enum class Denial {
  none,            // allowed
  verification,    // a check failed (signature, digest, rollback, expiry, in-toto, image, policy requirement)
  not_signed,      // no trust data for the GUN, or no signed target of that tag
  bad_request,     // the request or the configuration (policy file, map.json, flags) is wrong
  infrastructure,  // network, local I/O, deadline, internal error: nothing could be decided
};
std::string_view denial_name(Denial d) noexcept;
Denial denial_of(const Error& e) noexcept;  // by the error's category (and not_signed)

struct Report {
  Verdict verdict = Verdict::deny;  // fail closed
  Denial denial = Denial::infrastructure;
  std::optional<Error> error;  // the failure that decided a deny (or the first one audit logged)
  std::string reason;          // one line for the user: "allowed: ..." / the error's message

  std::string action, reference, runtime;
  std::string policy_name, policy_scope;
  policy::Level level = policy::Level::strict;

  // Set once verified:
  std::string gun, target;
  std::string role;                  // the role that signed the target
  std::int64_t role_version = 0;     // that role's metadata version
  crypto::Digests bundle;            // length, sha256, sha512 of the bytes verified
  std::string bundle_json;           // the verified bundle.json bytes
  bool trusted_on_first_use = false;
  std::vector<cnab::VerifiedImage> images;  // what a runtime must run, digest-pinned
  std::optional<InTotoVerifyResult> in_toto;
  std::vector<std::string> repositories;  // TAP 4: the repositories that agreed (empty without a map)

  std::vector<Check> checks;  // in the order above
  std::vector<std::string> warnings;
};

// Never fails: every error becomes a deny Report (an audit-level failure an allow with warnings).
Report verify_bundle(const BundleRequest& request, const Environment& environment);

}  // namespace signy::api
