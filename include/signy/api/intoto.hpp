// in-toto verification composed from the modules (issue 9 items 4-7): the intoto verifier with
// link files from a directory (or from TUF targets), inspections run through sys::run_bounded in a
// private directory holding only the artifacts under verification.
#pragma once
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include "signy/api/api.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/verifier.hpp"
#include "signy/sys/sandbox.hpp"

namespace signy::api {

struct InTotoOptions {
  sys::Limits limits;  // per inspection: --inspection-timeout SECONDS, --inspection-memory MIB
  std::optional<intoto::Parameters> parameters;
};

// What one in-toto verification checks.
struct InTotoCheck {
  std::string layout;  // the layout file's bytes (a metablock)
  std::map<std::string, crypto::SslibKey> layout_keys;  // key ID -> key
  std::optional<std::size_t> layout_threshold;  // unset: every key given must have signed
  intoto::LinkLoader links;
  // The artifacts under verification, copied into the inspections' private directory: a directory
  // (its contents, as the reference sees the current directory) or one regular file (alone, under
  // its own name).
  std::filesystem::path artifacts;
};

// Parses the layout, runs intoto::verify with ctx.now as the reference time and an inspection
// runner that executes each inspection in one private directory prepared from check.artifacts.
Result<intoto::VerifySummary> verify_intoto(const Context& ctx, const InTotoCheck& check,
                                            const InTotoOptions& options = {});

// The runner verify_intoto gives the verifier (exposed for tests): on the first inspection a
// sys::PrivateDir is made and `artifacts` copied in (sys::copy_tree); each inspection records the
// materials there (intoto::record_artifacts), runs through sys::run_bounded with `limits`, records
// the products; byproducts {"return-value" (-N when killed by signal N, as Python's subprocess),
// "stdout", "stderr" (captured, capped; the reference records "" for both)}. A tripped limit is
// Errc::inspection_failed "in-toto: <limit> limit (<value>) reached" (the verifier puts the
// inspection's name and command in front: "in-toto: inspections: inspection 'NAME' [...]: ...").
// The directory goes away with the last copy of the returned function.
intoto::InspectionRunner inspection_runner(const std::filesystem::path& artifacts, const sys::Limits& limits);

// For a process about to end while a verification runs on another thread (the hook's deadline, a
// SIGTERM): kills the inspection under way, if any, with every process it started
// (sys::kill_running), so that nothing of the abandoned verification outlives signy. The run is
// then held where it is, reporting nothing more: only for a caller about to exit.
void abandon_inspection() noexcept;

// in-toto-verify's --layout-keys FILE... [--key-types TYPE...]: each file (a regular file, at most
// 1 MiB) loaded by crypto::sslib_load_public with the type at its position, or detected when
// `types` is empty (the reference would take every key as rsa); key ID -> key. A count mismatch
// is Errc::usage, as the reference's FormatError.
Result<std::map<std::string, crypto::SslibKey>> load_layout_keys(const std::vector<std::filesystem::path>& files,
                                                                const std::vector<std::string>& types);

// Link files read from `dir` (a missing `dir` holds none: std::nullopt, as a missing file): a
// relative path with no "..", no absolute part, no empty component;
// nothing is followed outside `dir`; files above intoto::kMaxMetadataBytes are refused.
intoto::LinkLoader link_dir_loader(const std::filesystem::path& dir);

// Layouts anchored in the TUF root (issue 9 item 5): the root role's keys of a trusted root.json
// (the public key inside each x509 certificate) as securesystemslib keys by their key IDs, which
// are the IDs `signy key export --format in-toto` prints for the private keys, and root's
// threshold. Keys of a type in-toto cannot use are left out (they verify nothing, as in Notary);
// none left is Errc::untrusted_key. Feed it to intoto::verify with
// VerifyOptions{.layout_threshold = threshold}: a layout is trusted only with signatures by
// `threshold` distinct root keys of the root the TUF refresh just verified.
struct LayoutTrust {
  std::map<std::string, crypto::SslibKey> keys;  // securesystemslib key ID -> key
  std::size_t threshold = 1;
};
Result<LayoutTrust> root_layout_trust(const tuf::Root& root);

// signy layout sign: signs a layout (the bytes of its `signed` object, or of a whole metablock
// whose signatures are replaced) for collection `gun`.
//  - default: the GUN's TUF metadata is refreshed and the layout is signed with every root key of
//    the trusted root.json that the trust dir holds (so one signer holding several keys can meet
//    a root threshold above 1); none held is Errc::not_found naming the GUN;
//  - key_id (--key): a dedicated layout key in the trust dir (ecdsa, ed25519 or rsa), by its
//    trust-dir key ID; nothing is downloaded (the key is trusted only once `targets` signs it).
// Refused: a layout that does not parse or has unknown members (Errc::malformed_json and the
// model's other codes), and one that expired before ctx.now (Errc::expired). Every signature is
// verified over the dumped file, re-parsed, before the bytes are returned.
struct LayoutSignOptions {
  std::optional<std::string> key_id;
};
struct LayoutSignResult {
  std::string gun;
  std::string file;  // the signed metablock, as in-toto dumps it (intoto::dump)
  std::vector<std::string> keyids;  // the in-toto key IDs that signed, in signing order
  std::vector<std::string> key_ids;  // the same keys' IDs in the trust dir (signy key list)
  std::size_t replaced_signatures = 0;  // of a metablock given as input
  bool was_metablock = false;
};
Result<LayoutSignResult> sign_layout(const Context& ctx, std::string_view layout, std::string_view gun,
                                     const LayoutSignOptions& options = {});

}  // namespace signy::api
