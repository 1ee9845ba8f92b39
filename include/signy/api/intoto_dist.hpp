// in-toto metadata distributed through TUF (cnab-spec 301; issue 9 item 6;
// docs/security/in-toto-distribution.md): `signy sign --in-toto` publishes, `signy verify
// --in-toto` fetches, checks and verifies.
//
// Target names carry no "<gun>/" prefix (301 writes one): a Notary collection is one GUN already,
// and its bundle targets are bare tags (docker trust), so the prefix would say nothing.
//   in-toto-metadata/root.layout              signed by targets; custom {"in-toto": [its pubkeys]}
//   in-toto-pubkeys/<keyid>.pub               signed by targets (a dedicated layout key's dict)
//   <tag>                                     signed by targets/releases; custom {"in-toto":
//                                             [the layout, its links]}
//   in-toto-metadata/<bundle sha256>/<step>.<keyid[:8]>.link   signed by targets/releases
// The files themselves are stored content-addressed (Notary stores metadata only) and are always
// checked against the length and hashes their targets list: where they come from is not trusted.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/api/api.hpp"
#include "signy/api/intoto.hpp"

namespace signy::api {

inline constexpr std::string_view kInTotoLayoutTarget = "in-toto-metadata/root.layout";
inline constexpr std::string_view kInTotoPubkeyPrefix = "in-toto-pubkeys/";
inline constexpr std::string_view kInTotoLinkPrefix = "in-toto-metadata/";
// The tag of the OCI artifact manifest that keeps a bundle's in-toto blobs in its registry
// repository: "sha256-<bundle sha256>.in-toto" (a tag, so registries do not collect them).
std::string in_toto_artifact_tag(std::string_view bundle_sha256_hex);

// "<step>.<8 lowercase hex>.link" (in-toto's FILENAME_FORMAT with the key ID's first 8
// characters): a non-empty step of printable ASCII without '/', '\\' or "..", no leading '.'.
bool valid_link_file_name(std::string_view name);

struct InTotoVerifyOptions {
  // --in-toto-dir: read the files from here (offline) instead of the bundle's storage, by their
  // sha256 ("<hex>") or by the target's last name component; checked all the same.
  std::optional<std::filesystem::path> dir;
  InTotoOptions run;  // inspection limits
};

struct InTotoVerifyResult {
  std::string layout;                     // the layout's target name
  std::string layout_keys_from;           // "targets" (a dedicated key target) or "root"
  std::vector<std::string> layout_keys;   // in-toto key IDs
  std::vector<std::string> links;         // link target names, as custom lists them
  std::string storage;                    // where the files were read from
  intoto::VerifySummary summary;
};

// The thick archive `file` copied into `dir` under its own file name in one read that also hashes
// it: the copy is returned only when its length, sha256 and sha512 are `verified` (what the TUF
// target matched), else Errc::length_mismatch / Errc::hash_mismatch naming the file. in-toto then
// judges the bytes TUF verified, never the user's path read a second time.
Result<std::filesystem::path> copy_verified_file(const std::filesystem::path& file, const crypto::Digests& verified,
                                                 const std::filesystem::path& dir);

// After verify_thick or verify_thin succeeded: the in-toto targets of the verified bundle are
// checked (layout and keys from targets' own list only, links only as the bundle target's custom
// lists them and signed by the role that signed the bundle, under in-toto-metadata/<bundle
// sha256>/), fetched and hash-checked, then api::verify_intoto runs with the bundle as the
// artifact under verification: thick_file alone under its own name (its copy by
// copy_verified_file, before anything is fetched), or for a thin bundle its
// verified bundle.json as "bundle.json". A bundle signed without --in-toto fails (link_missing).
Result<InTotoVerifyResult> verify_bundle_intoto(const Context& ctx, std::string_view ref, const VerifyResult& verified,
                                                const std::optional<std::filesystem::path>& thick_file,
                                                const InTotoVerifyOptions& options = {});

}  // namespace signy::api
