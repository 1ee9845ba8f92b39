// TAP 4 "Multiple repository consensus on entrusted targets" (theupdateframework/taps tap4.md;
// cnab-spec 303 MUST; docs/security/tap4.md): a target is trusted when `threshold` of the
// repositories a matching mapping names list it with the same length and hashes.
#include <algorithm>
#include <map>

#include "api/collection.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::api {
namespace fs = std::filesystem;
namespace {

// Length and every hash, in the order Hashes keeps them: equal keys are TAP 4's agreement. Of
// custom (which TAP 4 exempts) the "in-toto" list is compared too: the agreeing repositories must
// publish the same supply chain (cnab-spec 301), so that the one whose custom is used cannot drop
// it (in-toto would not run) or replace it (its own layout and links) on its own.
std::string agreement_key(const tuf::FileMeta& m) {
  std::string key = std::to_string(m.length);
  m.hashes.for_each([&](std::string_view alg, tuf::Hashes::View d) {
    key += ' ';
    key += alg;
    key += ':';
    key += hex_encode(d);
  });
  key += " in-toto:";
  if (m.custom && m.custom->is_object())
    if (auto it = m.custom->find("in-toto"); it != m.custom->end()) key += it->dump();
  return key;
}

// The GUN's registry host compared without case, as policy scopes are (docs/security/policy.md):
// LOCALHOST:5000/org/app must not escape a mapping written for localhost:5000/org/*.
std::string host_lowered(std::string s) {
  for (std::size_t i = 0; i < s.size() && s[i] != '/'; ++i) s[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  return s;
}

std::string short_sha256(const tuf::FileMeta& m) {
  auto d = m.hashes.get("sha256");
  if (d.empty()) return "no sha256";
  return "sha256 " + hex_encode(d).substr(0, 16) + "...";
}

struct Answer {
  std::string name;
  Result<TrustedTarget> target;
};

// One repository of the map: its own trust dir (cache and config.json pins) and its first URL.
// A config.json that does not load is the user's error, returned as such (outer Result), not a
// repository that quietly fails to agree (inner Result).
Result<Result<TrustedTarget>> ask_repository(const Context& ctx, const tuf::MappedRepository& repo, const oci::Reference& ref,
                                             bool releases_first) {
  Context rc = ctx;
  rc.trust_dir = repository_trust_dir(ctx, repo.name);
  rc.server = repo.urls.front();
  rc.repository_map.reset();
  rc.loaded_repository_map = std::shared_ptr<const tuf::RepositoryMap>{};  // this one repository, no map
  auto own = SIGNY_TRY(load_trust_pinning(rc.trust_dir).map_error([&](Error e) { return e.context("repository " + repo.name); }));
  // A policy's trustedRoots (pin_every_root) hold in every repository; else the repository's own
  // pins. Trust on first use stays off when the trust dir's config.json turned it off.
  bool no_tofu = own.disable_tofu || ctx.updater.pinning.disable_tofu;
  if (!ctx.updater.pin_every_root) rc.updater.pinning = std::move(own);
  rc.updater.pinning.disable_tofu = no_tofu;
  log::info("asking repository " + repo.name + " (" + rc.server + ") for " + ref.gun() + ":" + ref.tag);
  Result<TrustedTarget> t = trusted_target_in_repository(rc, ref, {}, releases_first);
  if (t) t->server = rc.server;
  if (t && t->trusted_on_first_use)
    log::warn("repository " + repo.name + " trusted that root on first use: its pins go in " + (rc.trust_dir / "config.json").string());
  return t;
}

std::string describe(const Answer& a) {
  if (a.target) return a.name + " lists " + short_sha256(a.target->meta) + " (" + std::to_string(a.target->meta.length) + " bytes)";
  return a.name + ": " + escape_control(a.target.error().message.substr(0, 200));
}

}  // namespace

fs::path repository_trust_dir(const Context& ctx, std::string_view name) { return ctx.trust_dir / "repositories" / name; }

Result<std::shared_ptr<const tuf::RepositoryMap>> repository_map_of(const Context& ctx) {
  if (ctx.loaded_repository_map) return *ctx.loaded_repository_map;
  auto load = [](const fs::path& file) -> Result<std::shared_ptr<const tuf::RepositoryMap>> {
    return std::make_shared<const tuf::RepositoryMap>(SIGNY_TRY(tuf::load_repository_map(file)));
  };
  if (ctx.repository_map) return load(*ctx.repository_map);
  auto implicit = ctx.trust_dir / "map.json";
  std::error_code ec;
  auto st = fs::symlink_status(implicit, ec);
  if (ec || st.type() == fs::file_type::not_found) return std::shared_ptr<const tuf::RepositoryMap>{};
  return load(implicit);
}

Result<TrustedTarget> trusted_target_mapped(const Context& ctx, const tuf::RepositoryMap& map, const oci::Reference& ref,
                                            const std::function<Status()>& before_refresh, bool releases_first) {
  const std::string name = ref.gun() + ":" + ref.tag;
  const std::string source = map.source.empty() ? "map.json" : map.source.string();
  if (before_refresh) SIGNY_TRY_VOID(before_refresh());
  std::map<std::string, const tuf::MappedRepository*> by_name;
  for (const auto& r : map.repositories) by_name[r.name] = &r;
  // Each repository is asked at most once, however many mappings name it.
  std::map<std::string, Result<TrustedTarget>> asked;
  std::optional<Error> last;
  for (std::size_t i = 0; i < map.mapping.size(); ++i) {
    const auto& m = map.mapping[i];
    bool applies = false;
    for (const auto& p : m.paths) applies = applies || tuf::map_path_matches(host_lowered(p), host_lowered(name));
    if (!applies) continue;
    const std::string where = "mapping[" + std::to_string(i) + "] of " + source;
    std::vector<Answer> answers;
    for (const auto& rname : m.repositories) {
      auto it = asked.find(rname);
      if (it == asked.end()) it = asked.emplace(rname, SIGNY_TRY(ask_repository(ctx, *by_name.at(rname), ref, releases_first))).first;
      answers.push_back({rname, it->second});
    }
    // Agreement: answers grouped by length and hashes, in the mapping's order of repositories.
    std::map<std::string, std::vector<std::size_t>> groups;
    std::vector<std::string> order;
    std::size_t found = 0;
    for (std::size_t k = 0; k < answers.size(); ++k) {
      if (!answers[k].target) continue;
      ++found;
      auto key = agreement_key(answers[k].target->meta);
      if (!groups.contains(key)) order.push_back(key);
      groups[key].push_back(k);
    }
    std::vector<const std::vector<std::size_t>*> met;
    for (const auto& key : order)
      if (groups[key].size() >= m.threshold) met.push_back(&groups[key]);
    std::string all;
    for (const auto& a : answers) all += (all.empty() ? "" : "; ") + describe(a);
    if (met.size() == 1) {
      const auto& agreed = *met.front();
      // The first agreeing repository in the mapping's order gives the role and custom (in-toto).
      TrustedTarget out = *answers[agreed.front()].target;
      if (out.in_toto) out.in_toto->server = out.server;
      out.warnings.clear();
      out.trusted_on_first_use = false;
      for (auto k : agreed) {
        const auto& t = *answers[k].target;
        out.repositories.push_back(answers[k].name);
        out.trusted_on_first_use = out.trusted_on_first_use || t.trusted_on_first_use;
        for (const auto& w : t.warnings) out.warnings.push_back("repository " + answers[k].name + ": " + w);
      }
      for (std::size_t k = 0; k < answers.size(); ++k)
        if (std::find(agreed.begin(), agreed.end(), k) == agreed.end())
          out.warnings.push_back("repository " + (answers[k].target ? describe(answers[k]) + ", which disagrees" : describe(answers[k])) +
                                 " (" + std::to_string(agreed.size()) + " of " + std::to_string(answers.size()) +
                                 " agree, threshold " + std::to_string(m.threshold) + ")");
      std::string names;
      for (const auto& n : out.repositories) names += (names.empty() ? "" : ", ") + n;
      log::info(name + ": " + where + ": " + std::to_string(agreed.size()) + " of " + std::to_string(answers.size()) +
                " repositories agree (" + names + "), threshold " + std::to_string(m.threshold) + "; " + answers[agreed.front()].name +
                "'s custom is used");
      return out;
    }
    Error e{Errc::threshold_not_met, ""};
    if (met.size() > 1) {
      e.message = name + ": " + where + ": repositories disagree and each answer reaches the threshold " +
                  std::to_string(m.threshold) + ": " + all;
    } else {
      std::size_t best = 0;
      for (const auto& [key, g] : groups) best = std::max(best, g.size());
      e.message = name + ": " + where + " needs " + std::to_string(m.threshold) + " of " + std::to_string(answers.size()) +
                  " repositories to agree, " + std::to_string(best) + " do: " + all;
      // Nobody lists it: their common reason (all missing, all unreachable), else the threshold.
      if (found == 0) {
        e.code = answers.front().target.error().code;
        for (const auto& a : answers)
          if (a.target.error().code != e.code) e.code = Errc::threshold_not_met;
      }
    }
    if (m.terminating) return tl::unexpected(e);
    log::info(e.message + " (not terminating: the next matching mapping is tried)");
    last = std::move(e);
  }
  if (last) return tl::unexpected(*last);
  return fail(Errc::policy_denied, "no mapping of " + source + " applies to " + name + ": no repository is trusted for it");
}

}  // namespace signy::api
