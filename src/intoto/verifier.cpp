// in-toto 1.3.1 verifylib.in_toto_verify, stage by stage (see the header for the order).
#include "signy/intoto/verifier.hpp"

#include <algorithm>

#include "signy/crypto/digest.hpp"
#include "signy/crypto/threshold.hpp"
#include "signy/intoto/rule_engine.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

std::string q(std::string_view s) {
  return "'" + escape_control(s.substr(0, 128)) + (s.size() > 128 ? "...'" : "'");
}

tl::unexpected<Error> stage_fail(Errc code, std::string_view stage, const std::string& why) {
  return fail(code, "in-toto: " + std::string(stage) + ": " + why);
}

// An error from below (the model, the rule engine, the runner) named after its stage.
tl::unexpected<Error> stage_error(const Error& e, std::string_view stage, const std::string& what = {}) {
  std::string msg = e.message;
  if (msg.starts_with("in-toto: ")) msg.erase(0, 9);  // a sublayout's own stage error
  else if (msg.starts_with("in-toto ")) msg.erase(0, 8);  // the rule engine's "in-toto item ..."
  return fail(e.code, "in-toto: " + std::string(stage) + ": " + (what.empty() ? msg : what + ": " + msg));
}

std::string words(const std::vector<std::string>& w) {
  std::string out = "[";
  for (std::size_t i = 0; i < w.size() && i < 16; ++i) out += (i ? ", " : "") + q(w[i]);
  if (w.size() > 16) out += ", ...";
  return out + "]";
}

// The recursion's state: how deep, which layouts enclose this one (their canonical bytes' sha256).
struct Scope {
  std::size_t depth = 0;
  std::size_t sublayouts = 0;  // walked so far, in all
  std::vector<crypto::Sha256> enclosing;
};

Result<VerifySummary> verify_in(const LayoutMetablock& layout_mb, const std::map<std::string, crypto::SslibKey>& keys,
                                std::optional<std::size_t> layout_threshold, const LinkLoader& loader,
                                std::string_view prefix, const std::optional<Parameters>& parameters,
                                const VerifyOptions& options, std::string_view step_name, Scope& scope);

// verifylib.verify_sublayouts: each kept file holding a layout is verified with {K: the key that
// signed it}, its links from "<prefix><step>.<K[:8]>/", and replaced by its summary link named
// after the step. No parameters are passed down (the reference passes none). The reference has no
// bound; signy's (depth, total count, cycles) keep a hostile functionary from making it walk
// without end.
Status verify_sublayouts(const Layout& layout, ChainLinks& chain, const LinkLoader& loader, std::string_view prefix,
                         const VerifyOptions& options, Scope& scope, VerifySummary& out) {
  for (const auto& step : layout.steps) {
    auto it = chain.find(step.name);
    if (it == chain.end()) continue;
    for (auto& fl : it->second) {
      auto* sub = std::get_if<LayoutMetablock>(&fl.metadata);
      if (!sub) continue;
      const std::string where = "step " + q(step.name) + " sublayout " + q(link_file_name(step.name, fl.keyid));
      if (scope.depth + 1 > kMaxSublayoutDepth)
        return stage_fail(Errc::too_deep, "sublayouts",
                          where + ": sublayouts nest deeper than " + std::to_string(kMaxSublayoutDepth));
      if (++scope.sublayouts > kMaxSublayouts)
        return stage_fail(Errc::too_large, "sublayouts",
                          where + ": more than " + std::to_string(kMaxSublayouts) + " sublayouts in one verification");
      const auto key = layout.keys.find(fl.keyid);  // present: its signature was checked with it
      if (key == layout.keys.end() || !key->second.keyid)
        return stage_fail(Errc::internal, "sublayouts", where + ": no key");
      const std::map<std::string, crypto::SslibKey> sub_keys{{*key->second.keyid, key->second.key}};
      const std::string sub_prefix = std::string(prefix) + step.name + "." + fl.keyid.substr(0, 8) + "/";
      ++scope.depth;
      auto summary = verify_in(*sub, sub_keys, std::nullopt, loader, sub_prefix, std::nullopt, options, step.name, scope);
      --scope.depth;
      if (!summary) return stage_error(summary.error(), "sublayouts", where);
      for (auto& w : summary->warnings)
        out.warnings.push_back("in-toto: sublayouts: " + where + ": " + (w.starts_with("in-toto: ") ? w.substr(9) : w));
      out.links_verified += summary->links_verified;
      out.inspections_run += summary->inspections_run;
      fl.metadata = LinkMetablock{std::move(summary->summary), {}};
    }
  }
  return {};
}

// verifylib.verify_all_item_rules: materials then products, item by item.
template <class Items>
Status verify_all_item_rules(const Items& items, const ItemLinks& links, std::string_view stage) {
  for (const auto& item : items) {
    if (auto s = verify_item_rules(item.name, ArtifactKind::materials, item.expected_materials, links); !s)
      return stage_error(s.error(), stage);
    if (auto s = verify_item_rules(item.name, ArtifactKind::products, item.expected_products, links); !s)
      return stage_error(s.error(), stage);
  }
  return {};
}

Result<VerifySummary> verify_in(const LayoutMetablock& layout_mb, const std::map<std::string, crypto::SslibKey>& keys,
                                std::optional<std::size_t> layout_threshold, const LinkLoader& loader,
                                std::string_view prefix, const std::optional<Parameters>& parameters,
                                const VerifyOptions& options, std::string_view step_name, Scope& scope) {
  SIGNY_TRY_VOID(verify_layout_signatures(layout_mb, keys, layout_threshold));
  SIGNY_TRY_VOID(verify_layout_expiration(layout_mb.signed_, options.now));

  // A layout that encloses itself: refused rather than walked until the depth bound.
  auto canonical = canonical_bytes(layout_mb.signed_);
  if (!canonical) return stage_error(canonical.error(), "sublayouts");
  const auto digest = crypto::sha256(as_bytes(*canonical));
  if (std::find(scope.enclosing.begin(), scope.enclosing.end(), digest) != scope.enclosing.end())
    return stage_fail(Errc::too_deep, "sublayouts", "the layout is also one that encloses it (a cycle)");
  scope.enclosing.push_back(digest);
  struct Pop {
    Scope& s;
    ~Pop() { s.enclosing.pop_back(); }
  } pop{scope};

  const Layout* layout = &layout_mb.signed_;
  std::optional<Layout> substituted;
  if (parameters) {
    auto l = substitute_parameters(*layout, *parameters);
    if (!l) return stage_error(l.error(), "parameter substitution");
    substituted = std::move(*l);
    layout = &*substituted;
  }

  VerifySummary out;
  auto chain = SIGNY_TRY(load_links_for_layout(*layout, loader, prefix, options.parse));
  out.links_verified = SIGNY_TRY(verify_link_signature_thresholds(*layout, chain));
  SIGNY_TRY_VOID(verify_sublayouts(*layout, chain, loader, prefix, options, scope, out));
  for (auto& w : verify_command_alignment(*layout, chain)) out.warnings.push_back(std::move(w));
  SIGNY_TRY_VOID(verify_threshold_constraints(*layout, chain));
  auto links = SIGNY_TRY(reduce_chain_links(std::move(chain)));
  SIGNY_TRY_VOID(verify_all_item_rules(layout->steps, links, "step rules"));
  SIGNY_TRY_VOID(run_all_inspections(*layout, options.run_inspection, links, out.inspections_run));
  SIGNY_TRY_VOID(verify_all_item_rules(layout->inspect, links, "inspection rules"));
  out.summary = get_summary_link(*layout, links, step_name);
  return out;
}

}  // namespace

Status verify_layout_signatures(const LayoutMetablock& layout, const std::map<std::string, crypto::SslibKey>& keys,
                                std::optional<std::size_t> threshold) {
  constexpr std::string_view stage = "layout signatures";
  auto canonical = canonical_bytes(layout.signed_);
  if (!canonical) return stage_error(canonical.error(), stage);
  if (!threshold) {
    // verifylib.verify_layout_signatures: at least one key, and every key given has signed.
    if (keys.empty()) return stage_fail(Errc::bad_signature, stage, "no layout key given");
    for (const auto& [keyid, key] : keys)
      if (auto s = verify_signature(layout.signatures, *canonical, key, keyid); !s)
        return stage_error(s.error(), stage, "layout key " + q(keyid.substr(0, 16)));
    return {};
  }
  crypto::ThresholdKeys candidates;
  std::vector<crypto::ThresholdSignature> offered;
  for (const auto& [keyid, key] : keys) {
    auto pub = key.public_key();
    if (!pub) return stage_error(pub.error(), stage, "layout key " + q(keyid.substr(0, 16)));
    candidates.emplace(keyid, std::move(*pub));
  }
  // One offer per key given: the check selects the first signature by that key ID (the reference's rule).
  for (const auto& [keyid, key] : keys) offered.push_back({keyid, "", {}, as_bytes(*canonical)});
  auto counted = crypto::count_threshold(
      "in-toto: layout signatures: the layout", candidates, offered, static_cast<std::int64_t>(*threshold),
      [&](std::string_view keyid, const crypto::PublicKey&, const crypto::ThresholdSignature&) -> Status {
        return verify_signature(layout.signatures, *canonical, keys.find(std::string(keyid))->second, keyid);
      });
  if (!counted) return tl::unexpected(counted.error());
  return {};
}

Status verify_layout_expiration(const Layout& layout, std::chrono::sys_seconds now) {
  // verifylib.verify_layout_expiration: expired when expires < now.
  if (layout.expires_at < now)
    return stage_fail(Errc::expired, "layout expiration", "the layout expired at " + q(layout.expires));
  return {};
}

Result<ChainLinks> load_links_for_layout(const Layout& layout, const LinkLoader& loader, std::string_view prefix,
                                         const ParseOptions& parse) {
  constexpr std::string_view stage = "links";
  if (!loader) return stage_fail(Errc::internal, stage, "no link loader");
  ChainLinks chain;
  for (const auto& step : layout.steps) {
    std::vector<FunctionaryLink> files;
    for (const auto& keyid : step.pubkeys) {
      // The reference keys its per-step dict by key ID: a repeated pubkey is loaded once.
      if (std::any_of(files.begin(), files.end(), [&](const FunctionaryLink& f) { return f.keyid == keyid; })) continue;
      const std::string name = std::string(prefix) + link_file_name(step.name, keyid);
      auto bytes = loader(name);
      if (!bytes) return stage_error(bytes.error(), stage, "reading " + q(name));
      if (!*bytes) continue;  // only a missing file is skipped (IOError)
      auto mb = parse_metablock(**bytes, parse);
      if (!mb) return stage_error(mb.error(), stage, q(name));
      std::visit([&](auto&& m) { files.push_back({keyid, std::move(m)}); }, std::move(*mb));
    }
    // The reference's preliminary check, on file names alone (LinkNotFoundError).
    if (static_cast<std::int64_t>(files.size()) < step.threshold)
      return stage_fail(Errc::link_missing, stage,
                        "step " + q(step.name) + " requires " + std::to_string(step.threshold) +
                            " link file(s), found " + std::to_string(files.size()));
    chain[step.name] = std::move(files);
  }
  return chain;
}

Result<std::size_t> verify_link_signature_thresholds(const Layout& layout, ChainLinks& chain) {
  constexpr std::string_view stage = "link signatures";
  std::size_t kept_total = 0;
  for (const auto& step : layout.steps) {
    auto& files = chain[step.name];
    std::vector<FunctionaryLink> kept;
    crypto::ThresholdKeys candidates;
    std::vector<crypto::ThresholdSignature> offered;
    for (auto& f : files) {
      // The file was loaded for one of the step's pubkeys; without a layout key for it, skipped.
      const auto key = layout.keys.find(f.keyid);
      if (key == layout.keys.end()) continue;
      auto ok = std::visit([&](const auto& m) { return verify_signature(m, key->second); }, f.metadata);
      if (!ok) {
        if (ok.error().code == Errc::bad_signature) continue;  // SignatureVerificationError: skipped
        // Anything else (undecodable signature, a key dict without "keyid") aborts, as in the reference.
        return stage_error(ok.error(), stage, q(link_file_name(step.name, f.keyid)));
      }
      auto pub = key->second.key.public_key();
      if (!pub) return stage_error(pub.error(), stage, "layout key " + q(f.keyid.substr(0, 16)));
      candidates.emplace(f.keyid, std::move(*pub));
      kept.push_back(std::move(f));
    }
    // Every kept link is verified; the one counter counts distinct keys among them (two key IDs
    // of one key count once, where the reference counts distinct "keyid" members).
    for (const auto& f : kept) offered.push_back({f.keyid, "", {}, {}});
    auto counted = crypto::count_threshold(
        "in-toto: link signatures: step " + q(step.name) + " (links validly signed by distinct authorized functionaries)",
        candidates, offered, step.threshold,
        [](std::string_view, const crypto::PublicKey&, const crypto::ThresholdSignature&) -> Status { return {}; });
    if (!counted) return tl::unexpected(counted.error());
    kept_total += kept.size();
    files = std::move(kept);
  }
  return kept_total;
}

std::vector<std::string> verify_command_alignment(const Layout& layout, const ChainLinks& chain) {
  // verifylib.verify_command_alignment: a mismatch is logged, never an error.
  std::vector<std::string> warnings;
  for (const auto& step : layout.steps) {
    const auto it = chain.find(step.name);
    if (it == chain.end()) continue;
    for (const auto& f : it->second) {
      const auto* link = std::get_if<LinkMetablock>(&f.metadata);
      if (!link || link->signed_.command == step.expected_command) continue;
      warnings.push_back("in-toto: command alignment: " + q(link_file_name(step.name, f.keyid)) + ": command " +
                         words(link->signed_.command) + " differs from the expected command " +
                         words(step.expected_command));
    }
  }
  return warnings;
}

Status verify_threshold_constraints(const Layout& layout, const ChainLinks& chain) {
  constexpr std::string_view stage = "threshold constraints";
  for (const auto& step : layout.steps) {
    if (step.threshold <= 1) continue;
    const auto it = chain.find(step.name);
    if (it == chain.end() || static_cast<std::int64_t>(it->second.size()) < step.threshold)
      return stage_fail(Errc::threshold_not_met, stage, "step " + q(step.name) + " not performed by enough functionaries");
    const auto& files = it->second;
    const auto* ref = std::get_if<LinkMetablock>(&files.front().metadata);
    for (const auto& f : files) {
      const auto* link = std::get_if<LinkMetablock>(&f.metadata);
      if (!ref || !link) return stage_fail(Errc::internal, stage, "step " + q(step.name) + ": a sublayout was not replaced");
      if (link == ref) continue;
      if (link->signed_.materials != ref->signed_.materials || link->signed_.products != ref->signed_.products)
        return stage_fail(Errc::threshold_not_met, stage,
                          "links " + q(link_file_name(step.name, files.front().keyid)) + " and " +
                              q(link_file_name(step.name, f.keyid)) + " have different artifacts");
    }
  }
  return {};
}

Result<ItemLinks> reduce_chain_links(ChainLinks&& chain) {
  ItemLinks out;
  for (auto& [name, files] : chain) {
    auto* link = files.empty() ? nullptr : std::get_if<LinkMetablock>(&files.front().metadata);
    if (!link) return stage_fail(Errc::internal, "reduce", "step " + q(name) + " has no link");
    out.emplace(name, std::move(link->signed_));
  }
  chain.clear();
  return out;
}

Status run_all_inspections(const Layout& layout, const InspectionRunner& run, ItemLinks& links,
                           std::size_t& inspections_run) {
  constexpr std::string_view stage = "inspections";
  if (!layout.inspect.empty() && !run)
    return stage_fail(Errc::usage, stage, "the layout has inspections and no inspection runner was given");
  for (const auto& insp : layout.inspect) {
    const std::string what = "inspection " + q(insp.name) + " " + words(insp.run);
    auto link = run(insp);
    if (!link) return stage_error(link.error(), stage, what);
    ++inspections_run;
    // verifylib._raise_on_bad_retval: byproducts["return-value"] must be an int, and 0. A JSON
    // boolean is refused (Python would take False for 0: signy's runner never writes one).
    const auto& bp = link->byproducts;
    const cjson::Json* rv = nullptr;
    if (bp.is_object())
      if (auto it = bp.find("return-value"); it != bp.end()) rv = &*it;
    if (!rv || !(rv->is_number_integer() || rv->is_number_unsigned()))
      return stage_fail(Errc::inspection_failed, stage,
                        what + ": non-int return value " + (rv ? q(rv->dump()) : std::string("'None'")));
    if (!(rv->is_number_unsigned() ? rv->get<std::uint64_t>() == 0 : rv->get<std::int64_t>() == 0))
      return stage_fail(Errc::inspection_failed, stage, what + ": non-zero return value " + q(rv->dump()));
    // The link is the inspection's, whatever name it carries (run_all_inspections keys it so).
    links.insert_or_assign(insp.name, std::move(*link));
  }
  return {};
}

Link get_summary_link(const Layout& layout, ItemLinks& links, std::string_view name) {
  // verifylib.get_summary_link: the name is set only when there are steps.
  Link summary;
  if (layout.steps.empty()) return summary;
  auto first = links.find(layout.steps.front().name);
  auto last = links.find(layout.steps.back().name);
  summary.name = std::string(name);
  if (first != links.end()) summary.materials = std::move(first->second.materials);
  if (last != links.end()) {
    summary.products = std::move(last->second.products);
    summary.byproducts = std::move(last->second.byproducts);
    summary.command = std::move(last->second.command);
  }
  return summary;
}

Result<VerifySummary> verify(const LayoutMetablock& layout, const std::map<std::string, crypto::SslibKey>& layout_keys,
                             const LinkLoader& links, const VerifyOptions& options) {
  Scope scope;
  return verify_in(layout, layout_keys, options.layout_threshold, links, "", options.parameters, options, "", scope);
}

}  // namespace signy::intoto
