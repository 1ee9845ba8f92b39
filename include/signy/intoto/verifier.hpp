// The in-toto verifier pipeline (in-toto 1.3.1 verifylib.in_toto_verify; spec v1.0 section 5.3),
// each stage a named function in the reference's order:
//
//   verify_layout_signatures   the layout keys given (threshold; the reference: every key given)
//   verify_layout_expiration   against the one reference time of the command
//   substitute_parameters      (metadata.hpp) only when parameters are given
//   load_links_for_layout      "<step>.<keyid[:8]>.link" per authorized key; fewer than the
//                              step's threshold is Errc::link_missing
//   verify_link_signature_thresholds   per-functionary signatures; Errc::threshold_not_met
//   verify_sublayouts          a link file holding a layout is verified recursively with the key
//                              that signed it, links from "<step>.<keyid[:8]>/", and replaced by
//                              its summary link
//   verify_command_alignment   a mismatch is a warning, never an error
//   verify_threshold_constraints  threshold > 1: every kept link has the same artifacts
//   reduce_chain_links         the first kept link per step, in pubkeys order
//   step rules                 verify_item_rules for each step, materials then products
//   run_all_inspections        every inspection, through the caller's InspectionRunner (the core
//                              never starts a process); non-zero exit: Errc::inspection_failed
//   inspection rules           with step links and inspection links
//
// It does no I/O of its own: links come from a LinkLoader, inspections from an InspectionRunner.
// Every failure names its stage: "in-toto: <stage>: <why>".
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/util/result.hpp"

namespace signy::intoto {

// The bytes of a link file by its path relative to the top link directory: "<step>.<k8>.link",
// or for a sublayout's links "<step>.<k8>/<substep>.<k8'>.link" (the loader validates nothing
// about the name beyond what it needs to stay in its directory; the verifier builds the names).
// std::nullopt when there is no such file (the reference skips only "file not found"); an error
// for anything else (unreadable, too large), which aborts verification.
using LinkLoader = std::function<Result<std::optional<std::string>>(std::string_view relative_path)>;

// Runs one inspection as in_toto_run(name, ["."], ["."], run) does: materials recorded before,
// products after (sha256, the reference's default excludes), byproducts {"return-value": int,
// "stdout": ..., "stderr": ...}. Returns the unsigned link; an error only when the command could
// not be run or a resource limit tripped (Errc::inspection_failed naming the limit). A non-zero
// return value is a link, which the verifier refuses.
using InspectionRunner = std::function<Result<Link>(const Inspection&)>;

struct VerifyOptions {
  std::chrono::sys_seconds now;  // the reference time (expiry)
  std::optional<Parameters> parameters;  // substitute_parameters when set
  // How many distinct layout keys must have signed: unset = every key given (the reference);
  // a root-anchored layout uses root's threshold over root's keys.
  std::optional<std::size_t> layout_threshold;
  InspectionRunner run_inspection;  // required when the layout (or a sublayout) has inspections
  ParseOptions parse;               // for link files
};

struct VerifySummary {
  Link summary;                       // get_summary_link: name "", first step's materials, last step's products
  std::vector<std::string> warnings;  // command alignment and the like, one line each
  std::size_t links_verified = 0;     // link files whose signature counted, sublayouts included
  std::size_t inspections_run = 0;
};

// layout_keys: key ID -> public key (keyid as the signatures name it).
Result<VerifySummary> verify(const LayoutMetablock& layout, const std::map<std::string, crypto::SslibKey>& layout_keys,
                             const LinkLoader& links, const VerifyOptions& options);

}  // namespace signy::intoto
