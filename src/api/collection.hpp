// What the api's operations share about one collection (private to api/): sign a target under the
// collection's locks with retries, and find a target in the freshly verified metadata.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/api/api.hpp"
#include "signy/oci/reference.hpp"
#include "signy/tuf/metadata.hpp"
#include "signy/tuf/repository_map.hpp"

namespace signy::api {

// What --in-toto adds to a sign (cnab-spec 301): targets of the top-level targets role, targets of
// targets/releases beside the bundle, the bundle target's custom, and a check of the layout
// against the root it will be verified with (run once the collection's root is known, before
// anything is signed). The bundle goes into targets/releases and leaves targets' own list.
struct InTotoSignTargets {
  std::map<std::string, tuf::FileMeta> top, releases;
  tuf::Json bundle_custom;
  std::function<Status(const tuf::Root&)> check_root;
};

// Publishes `digests` as target ref.tag of ref.gun() (creating the collection on first use): the
// collection lock, the key lock on a first sign, and up to kPublishAttempts publishes when other
// writers win the race. The bytes were hashed by the caller, once. before_publish (once, under the
// lock) runs after every key was loaded and every signature made and checked, just before the
// metadata is published: a thin bundle moves its tag there, so a refused key or passphrase leaves
// the registry's tag on the release that is signed now.
Result<SignResult> sign_target(const Context& ctx, const oci::Reference& ref, const crypto::Digests& digests,
                               const SignOptions& options, const std::function<Status()>& before_publish = {},
                               const InTotoSignTargets* in_toto = nullptr);

// A digest pinned in the reference (REF@sha256:HEX, REF@sha512:HEX) must be that of what is signed.
Status check_pinned_file(const oci::Reference& ref, const crypto::Digests& d, std::string_view what);

struct TrustedTarget {
  std::string gun, target, role;
  tuf::FileMeta meta;
  bool trusted_on_first_use = false;
  std::vector<std::string> warnings;
  std::optional<InTotoTargets> in_toto;  // when the target's custom has "in-toto"
  std::int64_t role_version = 0;          // the version of `role`'s metadata
  std::vector<std::string> expired;       // tuf::Updater::expired() (ctx.updater.allow_expired)
  // TAP 4: the repositories that agreed, in the mapping's order (the first one's role and custom
  // are used), and the URL of that first one. Empty without a map.
  std::vector<std::string> repositories;
  std::string server;
  // maxMetadataAge: set when the trust cache alone was verified (nothing downloaded), to how many
  // seconds before ctx.now a refresh last confirmed it.
  std::optional<std::int64_t> cache_confirmed_ago;
};
// Refreshes the collection and returns target ref.tag (with a pinned digest checked against it).
// No trust data for the GUN, or no such target: Errc::not_signed. With ctx.max_metadata_age, a
// trust cache that a refresh confirmed at most that long before ctx.now is verified again from
// the cache alone (signatures, hashes, expiry; nothing downloaded); else, or when that fails, the
// collection is refreshed, and a successful refresh records its time and the sha256 of the
// timestamp.json it verified (tuf/<gun>/metadata/.confirmed); the cache is used only while its
// timestamp.json is that one.
// With a TAP 4 map (repository_map_of), as the map's repositories agree (trusted_target_mapped).
// before_refresh runs after the collection is opened and before anything is downloaded (to refuse
// a bad local input first).
// releases_first: Docker Content Trust's lookup order (docker/cli trust.go GetTargetByName(tag,
// "targets/releases", "targets")): the tag as targets/releases lists it, when it does, else the
// usual walk from targets.
Result<TrustedTarget> trusted_target(const Context& ctx, const oci::Reference& ref,
                                     const std::function<Status()>& before_refresh = {}, bool releases_first = false);

// Where verify_thin/verify_thick are (api/verify_bundle.cpp reports a failure as that check's):
// the request's own inputs (relocation map, thick file), the TUF target, the role check the
// caller adds, the bundle's bytes, bundle.json, the images.
enum class VerifyStage { request, tuf, signing_role, bundle_digest, bundle_schema, images };
struct VerifySteps {
  VerifyStage stage = VerifyStage::request;
  // Runs once the target is found, before the bundle's bytes are compared (a policy's roles).
  std::function<Status(const TrustedTarget&)> on_target;
};
Result<VerifyResult> verify_thick_steps(const Context& ctx, const std::filesystem::path& file, std::string_view ref,
                                        const ImageOptions& images, VerifySteps& steps);
Result<VerifyResult> verify_thin_steps(const Context& ctx, std::string_view ref, const ImageOptions& images, VerifySteps& steps);

// The same from the one repository ctx.server names, map or no map (api/tap4.cpp asks each
// repository of a mapping with this).
Result<TrustedTarget> trusted_target_in_repository(const Context& ctx, const oci::Reference& ref,
                                                   const std::function<Status()>& before_refresh = {}, bool releases_first = false);

// TAP 4 (api/tap4.cpp; tuf/repository_map.hpp; docs/security/tap4.md): the map that applies,
// ctx.loaded_repository_map when set (nothing is read), else ctx.repository_map (which must load)
// or <trust dir>/map.json when it exists; null: no map, the one server.
Result<std::shared_ptr<const tuf::RepositoryMap>> repository_map_of(const Context& ctx);
// Repository NAME's own trust dir: <trust dir>/repositories/NAME (its cache and config.json pins).
std::filesystem::path repository_trust_dir(const Context& ctx, std::string_view name);
// The first matching mapping's repositories are each asked (trusted_target_in_repository); the
// target is trusted when `threshold` of them list it with the same length and hashes and no other
// answer reaches the threshold too. Unsatisfied: a terminating mapping denies, else the next
// matching mapping is tried; no matching mapping denies (Errc::policy_denied).
Result<TrustedTarget> trusted_target_mapped(const Context& ctx, const tuf::RepositoryMap& map, const oci::Reference& ref,
                                            const std::function<Status()>& before_refresh, bool releases_first);

// Refreshes the collection and returns its trusted root (what in-toto layouts signed with the
// root key are checked against: api/intoto.hpp root_layout_trust).
Result<tuf::Root> trusted_root(const Context& ctx, std::string_view gun);

// The length and every hash the target lists (of sha256 and sha512) must equal the digests of
// `what` (named in the error).
Status compare_with_target(const TrustedTarget& target, const crypto::Digests& d, std::string_view what);

}  // namespace signy::api
