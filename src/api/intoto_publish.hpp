// signy sign --in-toto (private to api/): the layout, its key and the links read and checked,
// their TUF targets, and their content-addressed storage (api/intoto_dist.hpp has the layout).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/collection.hpp"
#include "signy/api/api.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::api {

// Where a collection's in-toto files are stored, shared by sign and verify.
namespace in_toto_storage {
inline constexpr std::string_view kBlobMediaType = "application/vnd.in-toto+json";
// Links per bundle, at sign and at verify: far above any real chain.
inline constexpr std::size_t kMaxLinkFiles = 1000;
inline std::string sha256_hex(std::string_view bytes) { return hex_encode(crypto::sha256(as_bytes(bytes))); }
// A quoted, bounded name for messages (names come from files and metadata).
inline std::string shown(std::string_view name) { return "\"" + escape_control(std::string(name.substr(0, 200))) + "\""; }
// The file:// repository (ctx.server empty or file://), or none: the bundle's registry repository.
inline std::optional<std::filesystem::path> file_repository(const Context& ctx) {
  if (ctx.server.empty()) return ctx.trust_dir / "server";
  if (ctx.server.rfind("file://", 0) == 0) return std::filesystem::path(ctx.server.substr(7));
  return std::nullopt;
}
// <root>/v2/<gun>/_in-toto: beside the collection's _trust/ in the served tree (GUNs are checked).
inline std::filesystem::path store_dir(const std::filesystem::path& root, const std::string& gun) {
  return root / "v2" / gun / "_in-toto";
}
inline std::string repo_of(const oci::Reference& r) { return r.domain + "/" + r.path; }
}  // namespace in_toto_storage

struct PreparedInToto {
  InTotoSignTargets targets;
  std::vector<std::pair<std::string, std::string>> files;  // target name -> bytes
};
// Reads the layout, the dedicated key and the link directory; refuses, before anything is
// published, a layout that does not verify with the key it will be checked with, a link file
// that is not a link or is misnamed (its name's step and key ID prefix must be the link's), a
// link of a step the layout does not have, and anything else in the directory.
Result<PreparedInToto> prepare_in_toto(const InTotoPublish& publish, const crypto::Digests& bundle);

// Stores the files content-addressed where the bundle lives: the file:// repository's directory
// (<root>/v2/<gun>/_in-toto/<sha256>), else REF's registry repository (blobs and one OCI
// manifest tagged in_toto_artifact_tag). Returns where, for the user.
Result<std::string> store_in_toto(const Context& ctx, const oci::Reference& ref, const PreparedInToto& prepared,
                                  const crypto::Digests& bundle);

}  // namespace signy::api
