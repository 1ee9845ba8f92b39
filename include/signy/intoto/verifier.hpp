// The in-toto verifier pipeline (in-toto 1.3.1 verifylib.in_toto_verify; spec v1.0 section 5.3),
// each stage a named function in the reference's order ("stage" = the name its errors carry):
//
//   verify_layout_signatures   "layout signatures": the layout keys given (threshold; the
//                              reference: every key given)
//   verify_layout_expiration   "layout expiration": against the one reference time of the command
//   substitute_parameters      "parameter substitution" (metadata.hpp), only when parameters are given
//   load_links_for_layout      "links": "<step>.<keyid[:8]>.link" per authorized key; fewer than the
//                              step's threshold is Errc::link_missing
//   verify_link_signature_thresholds   "link signatures": per-functionary signatures;
//                              Errc::threshold_not_met
//   verify_sublayouts          "sublayouts": a link file holding a layout is verified recursively
//                              with the key that signed it, links from "<step>.<keyid[:8]>/", and
//                              replaced by its summary link (at most kMaxSublayoutDepth deep, no
//                              layout inside itself: Errc::too_deep; at most kMaxSublayouts in
//                              all: Errc::too_large)
//   verify_command_alignment   "command alignment": a mismatch is a warning, never an error
//   verify_threshold_constraints  "threshold constraints": threshold > 1: every kept link has the
//                              same artifacts
//   reduce_chain_links         the first kept link per step, in pubkeys order
//   step rules                 "step rules": verify_item_rules for each step, materials then products
//   run_all_inspections        "inspections": every inspection, through the caller's
//                              InspectionRunner (the core never starts a process); a return value
//                              that is not the integer 0: Errc::inspection_failed
//   inspection rules           "inspection rules": with step links and inspection links
//
// It does no I/O of its own: links come from a LinkLoader, inspections from an InspectionRunner.
// Every failure names its stage: "in-toto: <stage>: <why>" (inside a sublayout: "in-toto:
// sublayouts: step '<step>' sublayout '<file>': <stage>: <why>").
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
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

// ---- The stages, in the order verify runs them (each one's errors: "in-toto: <stage>: <why>").

// How deep sublayouts nest (the top layout is depth 0); deeper is Errc::too_deep, as is a
// sublayout whose signed bytes are those of a layout enclosing it (a cycle).
inline constexpr std::size_t kMaxSublayoutDepth = 8;
// How many sublayouts one verification walks in all (siblings included: a functionary delegating
// every step of every level would otherwise make depth-many levels of fan-out); more is
// Errc::too_large.
inline constexpr std::size_t kMaxSublayouts = 64;

// One link file of a step: the step's pubkey it was loaded for and what it holds (a layout until
// verify_sublayouts replaces it with its summary link).
struct FunctionaryLink {
  std::string keyid;
  std::variant<LinkMetablock, LayoutMetablock> metadata;
};
// Step name -> its link files in the order of the step's pubkeys (verifylib's chain_link_dict).
using ChainLinks = std::map<std::string, std::vector<FunctionaryLink>>;
// Step or inspection name -> its one link (reduce_chain_links, then the inspection links).
using ItemLinks = std::map<std::string, Link>;

// "layout signatures": threshold unset: every key given has a valid signature (the first one by
// its key ID), Errc::bad_signature otherwise and for an empty key map; set: that many distinct
// keys among those given (crypto::count_threshold), Errc::threshold_not_met otherwise.
Status verify_layout_signatures(const LayoutMetablock& layout, const std::map<std::string, crypto::SslibKey>& keys,
                                std::optional<std::size_t> threshold);
// "layout expiration": Errc::expired when expires is strictly before now.
Status verify_layout_expiration(const Layout& layout, std::chrono::sys_seconds now);
// "links": "<prefix><step>.<keyid[:8]>.link" per distinct pubkey of each step; absent files are
// skipped, a loader error or an unparsable file aborts; fewer files than the step's threshold is
// Errc::link_missing.
Result<ChainLinks> load_links_for_layout(const Layout& layout, const LinkLoader& loader, std::string_view prefix,
                                         const ParseOptions& parse);
// "link signatures": each file checked with the layout's key for its pubkey (a missing key or an
// invalid signature drops the file; a signature that cannot be decoded aborts); fewer distinct
// valid keys than the threshold is Errc::threshold_not_met. Returns how many files were kept.
Result<std::size_t> verify_link_signature_thresholds(const Layout& layout, ChainLinks& chain);
// "command alignment": one warning per kept link whose command differs from expected_command.
std::vector<std::string> verify_command_alignment(const Layout& layout, const ChainLinks& chain);
// "threshold constraints": for steps with threshold > 1, every kept link has the materials and
// products of the first; Errc::threshold_not_met otherwise.
Status verify_threshold_constraints(const Layout& layout, const ChainLinks& chain);
// The first kept link of each step (pubkeys order), moved out of `chain`; every link is a Link by
// now (verify_sublayouts ran).
Result<ItemLinks> reduce_chain_links(ChainLinks&& chain);
// "inspections": every inspection through `run` before any rule; a link whose byproducts'
// "return-value" is not an integer or not 0 is Errc::inspection_failed; a runner error keeps its
// code. Adds each link to `links` under the inspection's name.
Status run_all_inspections(const Layout& layout, const InspectionRunner& run, ItemLinks& links,
                           std::size_t& inspections_run);
// get_summary_link: materials of the first step's link, products, byproducts and command of the
// last step's, named `name`; an empty link when the layout has no steps. Moves out of `links`.
Link get_summary_link(const Layout& layout, ItemLinks& links, std::string_view name);

}  // namespace signy::intoto
