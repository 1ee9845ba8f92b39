// The verification policy (issue 10 item 3; docs/security/policy.md): which bundles must verify,
// how strictly, and with which extra requirements, per GUN scope, in the spirit of Notation's
// trust policy (notaryproject specs trust-store-trust-policy.md) so that its users recognize it.
//
// <trust dir>/policy.json (or --policy FILE):
//   {"version": "1.0",
//    "policies": [{
//      "name": "prod",                              required, unique, [A-Za-z0-9._-]{1,64}
//      "scopes": ["localhost:5000/org/app",         a GUN exactly,
//                 "localhost:5000/team/*"],         or a GUN prefix ending in "/*",
//                                                   or "*" (alone; at most once in the document)
//      "signatureVerification": {"level": "strict"},  strict | permissive | audit | skip
//      "trustedRoots": {"keys": ["<64 hex>"],       optional: pinned root key IDs (notary's
//                       "ca": "FILE"},              trust_pinning certs) or a CA for root certificates
//      "requireInToto": false,                      deny a bundle signed without in-toto (301)
//      "requireImageDigests": true,                 false: images without contentDigest are allowed
//      "signingRoles": ["targets/releases"],        optional: roles allowed to sign the bundle
//      "maxMetadataAge": "10m"                      optional Go duration, default 0 (see below)
//    }]}
// Every key is checked: an unknown key, a wrong type, a duplicate scope, "skip" on "*", an empty
// list, or a second "*" is an error naming the policy and the key (Errc::malformed_json,
// Errc::unsupported_value). Documents are at most kMaxPolicyBytes and kMaxPolicies policies.
//
// Levels (what a failed check does): strict denies on any failure; permissive denies on integrity
// and authenticity failures but only warns on expired metadata; audit runs every check and
// allows, logging each failure as a warning; skip verifies nothing and allows (exact scopes only:
// never "*" nor a prefix).
// maxMetadataAge: the longest a verification may rely on TUF metadata that the repository last
// confirmed that long ago; metadata confirmed more recently is used from the trust cache without
// a download (still verified: signatures, expiry), older is refreshed. 0: always refresh.
#pragma once
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::policy {

inline constexpr std::size_t kMaxPolicyBytes = 1u << 20;
inline constexpr std::size_t kMaxPolicies = 256;

enum class Level { strict, permissive, audit, skip };
std::string_view level_name(Level level) noexcept;

struct Policy {
  std::string name;
  std::vector<std::string> scopes;
  Level level = Level::strict;
  std::vector<std::string> root_keys;           // trustedRoots.keys: pinned root key IDs (lowercase hex)
  std::optional<std::filesystem::path> root_ca;  // trustedRoots.ca (relative paths: to the policy file's directory)
  bool require_in_toto = false;
  bool require_image_digests = true;
  std::vector<std::string> signing_roles;  // empty: any role the TUF delegations allow
  std::chrono::seconds max_metadata_age{0};
};

struct Document {
  std::string version;  // "1.0"
  std::vector<Policy> policies;
  std::filesystem::path source;  // the file it was read from (for messages); empty for parse()
};

// Parses and validates a whole document (every rule above).
Result<Document> parse(std::string_view json, const std::filesystem::path& source = {});
// Reads at most kMaxPolicyBytes of a regular file (a FIFO, a device, a larger file is refused).
Result<Document> load(const std::filesystem::path& file);
// The document a trust directory gives: load(<trust_dir>/policy.json) when that name exists (as
// anything: a dangling link or a directory there is an error, never the default), else
// default_document().
Result<Document> load_from_trust_dir(const std::filesystem::path& trust_dir);

// The files a document names (trustedRoots.ca) are regular files that can be read (what
// `signy policy check` adds to parse; verification reads them when it uses them).
Status check_files(const Document& doc);

// maxMetadataAge as Go's time.Duration.String() writes it: "0s", "45s", "10m0s", "1h30m0s".
std::string format_age(std::chrono::seconds age);

// The policy a GUN gets: the exact scope, else the longest matching "prefix/*" scope, else "*".
// `why` explains the choice in one line ("scope localhost:5000/team/* of policy team (longest
// prefix)"). No matching policy: Errc::policy_denied naming the GUN.
struct Selection {
  const Policy* policy = nullptr;  // into the Document
  std::string scope;
  std::string why;
};
Result<Selection> select(const Document& doc, std::string_view gun);

// The document used when no policy file exists: one policy "default", scope "*", strict, in-toto
// verified when the bundle is signed with it, image digests required.
Document default_document();

}  // namespace signy::policy
