// in-toto 1.3.1 verifylib.in_toto_verify, stage by stage (see the header for the order).
#include "signy/intoto/verifier.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

#include "signy/crypto/threshold.hpp"
#include "signy/intoto/rule_engine.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/parallel.hpp"
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

// The recursion's state: how deep, how many sublayouts so far.
struct Scope {
  std::size_t depth = 0;
  std::size_t sublayouts = 0;  // walked so far, in all
};

Result<VerifySummary> verify_in(const LayoutMetablock& layout_mb, const std::map<std::string, crypto::SslibKey>& keys,
                                std::optional<std::size_t> layout_threshold, const LinkLoader& loader,
                                std::string_view prefix, const std::optional<Parameters>& parameters,
                                const VerifyOptions& options, std::string_view step_name, Scope& scope);

// verifylib.verify_sublayouts: each kept file holding a layout is verified with {K: the key that
// signed it}, its links from "<prefix><step>.<K[:8]>/", and replaced by its summary link named
// after the step. No parameters are passed down (the reference passes none). The reference has no
// bound; signy's (depth, total count) keep a hostile functionary from making it walk without end.
// A layout equal to one enclosing it is no loop (each level reads a deeper link directory): it
// is verified like any other, within those bounds.
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
  if (const auto items = layout_mb.signed_.steps.size() + layout_mb.signed_.inspect.size(); items > kMaxLayoutItems)
    return stage_fail(Errc::too_large, "links",
                      "the layout has " + std::to_string(items) + " steps and inspections, more than " +
                          std::to_string(kMaxLayoutItems));

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

Status verify_layout_expiration(const Layout& layout, TimePoint now) {
  // verifylib.verify_layout_expiration: expired when expires < now, compared in nanoseconds.
  if (layout.expires_at < now)
    return stage_fail(Errc::expired, "layout expiration", "the layout expired at " + q(layout.expires));
  return {};
}

Result<ChainLinks> load_links_for_layout(const Layout& layout, const LinkLoader& loader, std::string_view prefix,
                                         const ParseOptions& parse) {
  constexpr std::string_view stage = "links";
  if (!loader) return stage_fail(Errc::internal, stage, "no link loader");
  // Every file the steps name, in the reference's order (steps, then each step's pubkeys).
  struct Job {
    std::size_t step;
    std::string keyid, name;
    std::optional<Error> error;  // reading or parsing failed (read_failed says which)
    bool read_failed = false;
    std::optional<std::variant<LayoutMetablock, LinkMetablock>> metablock;  // none: no such file
  };
  std::vector<Job> jobs;
  for (std::size_t s = 0; s < layout.steps.size(); ++s) {
    const auto& step = layout.steps[s];
    const std::size_t first = jobs.size();
    for (const auto& keyid : step.pubkeys) {
      // The reference keys its per-step dict by key ID: a repeated pubkey is loaded once.
      if (std::any_of(jobs.begin() + static_cast<std::ptrdiff_t>(first), jobs.end(),
                      [&](const Job& j) { return j.keyid == keyid; }))
        continue;
      jobs.push_back({s, keyid, std::string(prefix) + link_file_name(step.name, keyid), {}, false, {}});
    }
  }
  // Two workers, each taking the next file and reading it under one lock (so the loader, which
  // need not be thread-safe, sees the files in order, as the one-by-one loop asked for them), then
  // parsing it outside the lock: parsing is most of the time (two 10,000-artifact links: 2 x 10 ms).
  // The first failure stops the reading: every file before it is done, so the scan below reports
  // what the one-by-one loop would have (files after it that the other worker read are dropped).
  std::mutex loading;
  std::size_t to_read = 0;
  bool stop = false;
  parallel_for(std::min<std::size_t>(jobs.size(), 2), 2, [&](std::size_t) {
    for (;;) {
      Job* j = nullptr;
      Result<std::optional<std::string>> bytes;
      {
        std::lock_guard lock(loading);
        if (stop || to_read == jobs.size()) return true;
        j = &jobs[to_read++];
        bytes = loader(j->name);
        if (!bytes) {
          j->error = bytes.error();
          j->read_failed = true;
          stop = true;
          return true;
        }
      }
      if (!*bytes) continue;  // only a missing file is skipped (IOError)
      auto mb = parse_metablock(**bytes, parse);
      if (!mb) {
        j->error = mb.error();
        std::lock_guard lock(loading);
        stop = true;
        return true;
      }
      j->metablock = std::move(*mb);
    }
  });
  ChainLinks chain;
  std::size_t next = 0;
  for (std::size_t s = 0; s < layout.steps.size(); ++s) {
    const auto& step = layout.steps[s];
    std::vector<FunctionaryLink> files;
    for (; next < jobs.size() && jobs[next].step == s; ++next) {
      Job& j = jobs[next];
      if (j.error) return stage_error(*j.error, stage, j.read_failed ? "reading " + q(j.name) : q(j.name));
      if (!j.metablock) continue;
      std::visit([&](auto&& m) { files.push_back({j.keyid, std::move(m)}); }, std::move(*j.metablock));
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
  // Every link with a layout key has its signature checked up front, on two threads (canonical
  // bytes and a hash of the whole link: ~4 ms for 10,000 artifacts); the loop below takes the
  // results in the reference's order, so what it reports is unchanged.
  // (A step name met again, which only a Layout built in code can have, finds its files already
  // filtered by the pass before: its checks are made in the loop.)
  using LayoutKeyRef = decltype(&layout.keys.begin()->second);
  std::vector<std::pair<const FunctionaryLink*, LayoutKeyRef>> to_check;
  std::set<std::string_view> seen;
  for (const auto& step : layout.steps) {
    if (!seen.insert(step.name).second) continue;
    for (const auto& f : chain[step.name])
      if (const auto key = layout.keys.find(f.keyid); key != layout.keys.end()) to_check.emplace_back(&f, &key->second);
  }
  std::vector<Status> checked(to_check.size());
  parallel_for(to_check.size(), 2, [&](std::size_t i) {
    const auto& [f, key] = to_check[i];
    checked[i] = std::visit([&](const auto& m) { return verify_signature(m, *key); }, f->metadata);
    return true;
  });
  std::size_t next_check = 0;
  std::size_t kept_total = 0;
  seen.clear();
  for (const auto& step : layout.steps) {
    const bool first_time = seen.insert(step.name).second;
    auto& files = chain[step.name];
    std::vector<FunctionaryLink> kept;
    crypto::ThresholdKeys candidates;
    std::vector<crypto::ThresholdSignature> offered;
    std::vector<std::string> members;  // the "keyid" members of the kept links' key dicts
    std::vector<bool> counts;          // per kept link: offered to the counter
    for (auto& f : files) {
      // The file was loaded for one of the step's pubkeys; without a layout key for it, skipped.
      const auto key = layout.keys.find(f.keyid);
      if (key == layout.keys.end()) continue;
      const Status ok = first_time ? checked[next_check++]
                                   : std::visit([&](const auto& m) { return verify_signature(m, key->second); }, f.metadata);
      if (!ok) {
        if (ok.error().code == Errc::bad_signature) continue;  // SignatureVerificationError: skipped
        // Anything else (undecodable signature, a key dict without "keyid") aborts, as in the reference.
        return stage_error(ok.error(), stage, q(link_file_name(step.name, f.keyid)));
      }
      auto pub = key->second.key.public_key();
      if (!pub) return stage_error(pub.error(), stage, "layout key " + q(f.keyid.substr(0, 16)));
      candidates.emplace(f.keyid, std::move(*pub));
      // The reference counts distinct key dict "keyid" members (two keys under one member count
      // once); the one counter counts distinct keys (one key under two members counts once). A
      // link counts only when both are new: its member is offered once, the counter dedups keys.
      if (!key->second.keyid) return stage_fail(Errc::internal, stage, "layout key " + q(f.keyid.substr(0, 16)) + " has no keyid");
      const std::string& member = *key->second.keyid;
      const bool new_member = std::find(members.begin(), members.end(), member) == members.end();
      if (new_member) members.push_back(member);
      counts.push_back(new_member);
      kept.push_back(std::move(f));
    }
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (counts[i]) offered.push_back({kept[i].keyid, "", {}, {}});
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
  // Every file the loader returns counts toward one budget: the parsed links of all steps at all
  // levels are held until the end.
  std::size_t used = 0;
  LinkLoader budgeted;
  if (links)
    budgeted = [&](std::string_view rel) -> Result<std::optional<std::string>> {
      auto bytes = links(rel);
      if (bytes && *bytes) {
        used += (*bytes)->size();
        if (used > options.max_link_bytes)
          return fail(Errc::too_large, "the link files read exceed the budget of " +
                                           std::to_string(options.max_link_bytes) + " bytes in one verification");
      }
      return bytes;
    };
  Scope scope;
  return verify_in(layout, layout_keys, options.layout_threshold, budgeted, "", options.parameters, options, "", scope);
}

}  // namespace signy::intoto
