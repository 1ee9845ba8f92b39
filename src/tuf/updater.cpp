#include "signy/tuf/updater.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <set>

#include "signy/crypto/digest.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::tuf {
namespace {

constexpr std::uintmax_t kMaxCachedSize = 100u << 20;  // notary MaxDownloadSize


bool matches(const FileMeta& meta, std::string_view bytes) {
  auto want = meta.hashes.get("sha256");
  if (want.empty() || static_cast<std::int64_t>(bytes.size()) != meta.length) return false;
  auto h = crypto::sha256(as_bytes(bytes));
  return std::equal(h.begin(), h.end(), want.begin(), want.end());
}

// notary tuf/data/roles.go IsDelegation: "targets/" + [-a-z0-9_/]+, clean, a direct child.
bool valid_child(std::string_view child, std::string_view parent) {
  if (child.size() >= 256 || child.size() <= parent.size() + 1) return false;
  if (child.substr(0, parent.size()) != parent || child[parent.size()] != '/') return false;
  std::string_view leaf = child.substr(parent.size() + 1);
  return std::all_of(leaf.begin(), leaf.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// notary RestrictDelegationPathPrefixes: a child keeps only paths under one of its parent's.
std::vector<std::string> restrict_paths(const std::vector<std::string>& parent, const std::vector<std::string>& child) {
  std::vector<std::string> out;
  for (const auto& c : child)
    for (const auto& p : parent)
      if (c.compare(0, p.size(), p) == 0) {
        out.push_back(c);
        break;
      }
  return out;
}

bool allowed(const std::vector<std::string>& paths, std::string_view name) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) { return name.substr(0, p.size()) == p; });
}

bool pinned_for(const TrustPinning& pinning, const std::string& gun, std::vector<std::string>& ids) {
  if (auto it = pinning.certs.find(gun); it != pinning.certs.end()) {
    ids = it->second;
    return true;
  }
  std::size_t best = 0;
  bool found = false;
  for (const auto& [pattern, keys] : pinning.certs) {  // "prefix*": the longest prefix wins
    if (pattern.empty() || pattern.back() != '*') continue;
    std::string_view prefix(pattern.data(), pattern.size() - 1);
    if (gun.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best) {
      best = prefix.size();
      ids = keys;
      found = true;
    }
  }
  return found;
}

// notary getPinnedCAFilepathByPrefix: the longest GUN prefix with a pinned CA.
const std::filesystem::path* pinned_ca_for(const TrustPinning& pinning, const std::string& gun) {
  const std::filesystem::path* found = nullptr;
  std::size_t best = 0;
  for (const auto& [prefix, path] : pinning.ca)
    if (gun.compare(0, prefix.size(), prefix) == 0 && (!found || prefix.size() >= best)) {
      best = prefix.size();
      found = &path;
    }
  return found;
}

}  // namespace

// Notary's root certificate rules (trustpinning/certs.go ValidateRoot): the root must be signed by
// a threshold of root keys that are certificates valid for this GUN (CN = GUN or "prefix*", not
// expired). This binds a root to its collection: a root of another GUN signed by the same key
// is refused.
static Status check_root_certificates(const Signed<Root>& root, const std::string& gun, TimePoint now) {
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auto& role = root.signed_.roles.at("root");
  RoleKeys valid{{}, role.threshold};
  std::string why;
  for (const auto& id : role.keyids) {
    auto st = crypto::check_root_certificate(root.signed_.keys.at(id), gun, now_s);
    if (st) valid.keyids.push_back(id);
    else why = st.error().message;
  }
  auto st = verify_threshold("root (certificates valid for " + gun + ")", root.canonical, root.signatures,
                             root.signed_.keys, valid);
  if (!st) return fail(Errc::untrusted_key, st.error().message + (why.empty() ? "" : "; " + why));
  return {};
}

Updater::Updater(std::string gun, std::filesystem::path cache_dir, MetadataSource& source, TimePoint reference_time,
                 UpdaterConfig config)
    : gun_(std::move(gun)), cache_dir_(std::move(cache_dir)), source_(source), now_(reference_time), config_(std::move(config)) {}

Status Updater::load_root() {
  // A cached root defines trust (notary bootstrapClient); pinning applies to first use. It is the
  // trust anchor, so it fails closed (issue 7 item 5): only a missing root.json is a first use; one
  // that is present but unreadable, not a regular file, too large, unparsable or not signed by a
  // threshold of its own keys is never replaced by whatever the server serves.
  auto path = cache_dir_ / "root.json";
  auto damaged = [&](const Error& e) {
    return fail(Errc::damaged_trust_anchor, "the cached trusted root " + path.string() + " cannot be used (" + e.message +
                                                "); to forget it and trust the collection's root anew, run `signy delete " +
                                                gun_ + "`");
  };
  auto cached = read_file_limited(path, config_.max_root_size);
  if (cached) {
    auto set = TrustedSet::create(*cached, now_);
    if (!set) return damaged(set.error());
    set_ = std::move(*set);
    root_bytes_ = std::move(*cached);
    return {};
  }
  if (cached.error().code != Errc::not_found) return damaged(cached.error());
  auto bytes = source_.fetch("root", config_.max_root_size);
  if (!bytes) return tl::unexpected(bytes.error().context("fetching root for " + gun_));
  auto set = TrustedSet::create(*bytes, now_);
  if (!set) return tl::unexpected(set.error());
  SIGNY_TRY_VOID(check_root_certificates(set->root(), gun_, now_));
  std::vector<std::string> pinned;
  if (pinned_for(config_.pinning, gun_, pinned)) {
    const auto& root = set->root();
    RoleKeys pinned_role{pinned, root.signed_.roles.at("root").threshold};
    auto st = verify_threshold("root (pinned keys)", root.canonical, root.signatures, root.signed_.keys, pinned_role);
    if (!st) return fail(Errc::untrusted_key, "root of " + gun_ + " is not signed by the pinned root keys: " + st.error().message);
  } else if (const auto* ca_file = pinned_ca_for(config_.pinning, gun_)) {
    // CA pinning (notary trustpin.go caCheck): a threshold of root keys whose certificates the
    // pinned CA issued.
    auto bundle = read_file_limited(*ca_file, 1u << 20);
    if (!bundle) return tl::unexpected(bundle.error().context("pinned CA for " + gun_));
    const auto& root = set->root();
    const auto& role = root.signed_.roles.at("root");
    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
    RoleKeys certified{{}, role.threshold};
    std::string why;
    for (const auto& id : role.keyids) {
      auto st = crypto::check_certificate_chain(root.signed_.keys.at(id), *bundle, now_s);
      if (st) certified.keyids.push_back(id);
      else if (st.error().code != Errc::untrusted_key) return tl::unexpected(st.error().context(ca_file->string()));
      else why = st.error().message;
    }
    auto st = verify_threshold("root (keys certified by the pinned CA)", root.canonical, root.signatures, root.signed_.keys, certified);
    if (!st)
      return fail(Errc::untrusted_key, "root of " + gun_ + " is not signed by keys the pinned CA " + ca_file->string() +
                                           " certified" + (why.empty() ? "" : ": " + why));
  } else if (config_.pinning.disable_tofu) {
    return fail(Errc::untrusted_key, "no trusted root for " + gun_ + " and trust on first use is disabled");
  } else {
    tofu_ = true;
    // The full ID, as <trust dir>/config.json pins it (notary trustpin.go certs), and how.
    const auto& root_id = set->root().signed_.roles.at("root").keyids.front();
    log::warn("trusting the root of " + gun_ + " on first use (root key " + root_id +
              "); to pin it, put in <trust dir>/config.json: {\"trust_pinning\":{\"certs\":{\"" + gun_ + "\":[\"" + root_id +
              "\"]}}}");
  }
  set_ = std::move(*set);
  root_bytes_ = *bytes;
  verified_["root"] = std::move(*bytes);
  return {};
}

Result<std::string> Updater::load_pinned(std::string_view role, const FileMeta& meta,
                                         const std::function<Status(std::string_view)>& apply) {
  // The cached copy is used when it is exactly the listed file: the trusted set's own length and
  // hash check decides (one hashing pass); any other refusal of it is final, since a download of
  // the same listed file would be the same bytes.
  auto path = cache_dir_ / (std::string(role) + ".json");
  auto cached = read_file_limited(path, static_cast<std::uintmax_t>(meta.length));
  if (cached && static_cast<std::int64_t>(cached->size()) == meta.length) {
    auto st = apply(*cached);
    if (st) {
      unchanged_.insert(std::string(role));
      return cached;
    }
    if (st.error().code != Errc::hash_mismatch) return tl::unexpected(st.error());
  }
  // TUF 5.6.x rollback floor: the version of the copy verified earlier (any size up to the cap),
  // read on a second thread while the listed file downloads.
  std::future<std::optional<std::int64_t>> floor;
  if (role != "snapshot")
    floor = std::async(std::launch::async, [path, old = std::move(cached)]() mutable -> std::optional<std::int64_t> {
      if (!old) old = read_file_limited(path, kMaxCachedSize);
      if (!old) return std::nullopt;
      auto v = peek_version(*old);
      return v ? std::optional<std::int64_t>(*v) : std::nullopt;
    });
  // Consistent names by sha256 (notary client fetches snapshot and targets by hash).
  auto sha256 = meta.hashes.get("sha256");
  Result<std::string> bytes = sha256.empty() ? fail(Errc::hash_mismatch, std::string(role) + ": no sha256 listed")
                                             : source_.fetch_by_hash(role, hex_encode(sha256), static_cast<std::size_t>(meta.length));
  if (floor.valid())
    if (auto v = floor.get()) set_->note_trusted_version(role, *v);
  if (!bytes) return tl::unexpected(bytes.error().context("fetching " + std::string(role)));
  SIGNY_TRY_VOID(apply(*bytes));
  return bytes;
}

Status Updater::rotate_root() {
  for (std::size_t i = 0; i < config_.max_root_rotations; ++i) {
    auto next_version = set_->root().signed_.version + 1;
    auto bytes = source_.fetch_by_version("root", next_version, config_.max_root_size);
    if (!bytes) {
      if (is_missing(bytes.error())) return {};
      return tl::unexpected(bytes.error().context("fetching root version " + std::to_string(next_version)));
    }
    auto parsed = parse_root(*bytes);
    if (!parsed) return tl::unexpected(parsed.error().context("root version " + std::to_string(next_version)));
    SIGNY_TRY_VOID(set_->update_root(*bytes));  // signatures by the old and the new root keys first
    SIGNY_TRY_VOID(check_root_certificates(*parsed, gun_, now_));
    root_bytes_ = *bytes;
    verified_["root"] = std::move(*bytes);
  }
  return fail(Errc::too_large, "more than " + std::to_string(config_.max_root_rotations) + " root rotations");
}

Status Updater::refresh() {
  warnings_.clear();
  expired_.clear();
  verified_.clear();
  unchanged_.clear();
  tofu_ = false;
  set_.reset();
  SIGNY_TRY_VOID(load_root());

  // Previously verified versions are the rollback floor (TUF 5.4.3, 5.5.5). Targets roles get
  // theirs in fetch_pinned, only when the listed file is not the cached one (same bytes, same
  // version), so a large cached targets file is read once.
  auto floor_of = [&](const char* role, auto parse) {
    auto cached = read_file_limited(cache_dir_ / (std::string(role) + ".json"), kMaxCachedSize);
    if (!cached) return;
    if (auto m = parse(*cached)) set_->note_trusted_version(role, m->signed_.version);
  };
  floor_of("timestamp", parse_timestamp);
  floor_of("snapshot", parse_snapshot);

  std::string ts_bytes, sn_bytes;
  auto chain = [&]() -> Status {
    auto ts = source_.fetch("timestamp", config_.max_timestamp_size);
    if (!ts) return tl::unexpected(ts.error().context("fetching timestamp"));
    SIGNY_TRY_VOID(set_->update_timestamp(*ts, config_.allow_expired));
    ts_bytes = std::move(*ts);
    sn_bytes = SIGNY_TRY(load_pinned("snapshot", set_->timestamp()->signed_.snapshot,
                                     [&](std::string_view b) { return set_->update_snapshot(b, config_.allow_expired); }));
    return {};
  };
  auto st = chain();
  // Only a refusal can mean a rotated root; transport and input errors are reported as they are.
  if (!st && st.error().category() != ErrorCategory::verification) return st;
  bool root_listed = st && matches(set_->snapshot()->signed_.meta.at("root"), root_bytes_);
  if (!root_listed) {
    // A failure, or a snapshot listing another root: the root may have rotated. Follow every
    // version (TUF 5.3), then retry once (notary tufclient.go Update).
    auto before = set_->root().signed_.version;
    SIGNY_TRY_VOID(rotate_root());
    if (set_->root().signed_.version == before) {
      if (!st) return st;
      return fail(Errc::hash_mismatch, "the snapshot lists a root other than the trusted one and no newer root exists");
    }
    SIGNY_TRY_VOID(chain());
    if (!matches(set_->snapshot()->signed_.meta.at("root"), root_bytes_))
      return fail(Errc::hash_mismatch, "the snapshot lists a root that no rotation from the trusted root reaches");
  }
  if (!config_.allow_expired) SIGNY_TRY_VOID(set_->check_final_root());
  verified_["timestamp"] = std::move(ts_bytes);
  verified_["snapshot"] = std::move(sn_bytes);

  auto targets = SIGNY_TRY(load_pinned("targets", set_->snapshot()->signed_.meta.at("targets"),
                                       [&](std::string_view b) { return set_->update_targets(b, config_.allow_expired); }));
  log::debug("targets verified: " + std::to_string(targets.size()) + " bytes" + (unchanged_.contains("targets") ? " (cached)" : ""));
  verified_["targets"] = std::move(targets);
  SIGNY_TRY_VOID(walk_delegations());
  if (config_.allow_expired) note_expired();
  return persist();
}

void Updater::note_expired() {
  auto note = [&](std::string_view role, const Common& c) {
    if (c.expires <= now_) expired_.push_back(std::string(role) + " metadata expired at " + format_rfc3339nano(c.expires));
  };
  note("root", set_->root().signed_);
  if (const auto* t = set_->timestamp()) note("timestamp", t->signed_);
  if (const auto* s = set_->snapshot()) note("snapshot", s->signed_);
  if (const auto* t = set_->targets()) note("targets", t->signed_);
  for (const auto& [role, bytes] : verified_)
    if (role.starts_with("targets/"))
      if (const auto* t = set_->targets(role)) note(role, t->signed_);
}

Status Updater::walk_delegations() {
  // Depth-first pre-order from targets (notary downloadTargets); children in array order.
  struct Item {
    std::string role, parent;
  };
  std::vector<Item> stack;
  auto push_children = [&](const std::string& parent) {
    const auto* t = set_->targets(parent);
    if (!t) return;
    const auto& roles = t->signed_.delegations.roles;
    for (auto it = roles.rbegin(); it != roles.rend(); ++it) stack.push_back({it->name, parent});
  };
  push_children("targets");
  std::size_t visited = 0;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (++visited > config_.max_delegations)
      return fail(Errc::too_large, "more than " + std::to_string(config_.max_delegations) + " delegated roles");
    if (!valid_child(item.role, item.parent)) {
      warnings_.push_back("ignoring delegation \"" + item.role.substr(0, 64) + "\": not a valid child of " + item.parent);
      continue;
    }
    auto meta = set_->snapshot()->signed_.meta.find(item.role);
    if (meta == set_->snapshot()->signed_.meta.end()) continue;  // never published: nothing to fetch
    auto bytes = load_pinned(item.role, meta->second, [&](std::string_view b) {
      return set_->update_delegated_targets(item.role, item.parent, b, config_.allow_expired);
    });
    if (!bytes) {
      // notary: an expired or under-signed delegation is skipped, its targets invisible.
      if (bytes.error().code == Errc::expired || bytes.error().code == Errc::threshold_not_met) {
        warnings_.push_back("skipping " + item.role + ": " + bytes.error().message);
        continue;
      }
      return tl::unexpected(bytes.error());
    }
    verified_[item.role] = std::move(*bytes);
    push_children(item.role);
  }
  return {};
}

Status Updater::persist() {
  SIGNY_TRY_VOID(make_private_dirs(cache_dir_));
  for (const auto& [role, bytes] : verified_) {
    if (unchanged_.contains(role)) continue;  // the cached file is exactly this one
    auto path = cache_dir_ / (role + ".json");  // role names were validated: no "..", no '.'
    SIGNY_TRY_VOID(make_private_dirs(path.parent_path()));
    SIGNY_TRY_VOID(atomic_write(path, bytes, 0600));
  }
  verified_.clear();  // written: do not hold a large role's bytes any longer
  return {};
}

namespace {
template <class F>
void walk_targets(const TrustedSet& set, F&& visit) {
  // Breadth-first from targets with restricted paths (notary tuf.go WalkTargets).
  struct Item {
    std::string role;
    std::vector<std::string> paths;
  };
  std::deque<Item> queue{{"targets", {""}}};
  std::set<std::string> seen;
  while (!queue.empty()) {
    Item item = std::move(queue.front());
    queue.pop_front();
    if (!seen.insert(item.role).second) continue;
    const auto* t = set.targets(item.role);
    if (!t) continue;
    if (!visit(item.role, item.paths, t->signed_)) return;
    for (const auto& d : t->signed_.delegations.roles)
      queue.push_back({d.name, restrict_paths(item.paths, d.paths)});
  }
}
}  // namespace

std::optional<Updater::TargetInfo> Updater::find_target(std::string_view name) const {
  std::optional<TargetInfo> found;
  walk_targets(*set_, [&](const std::string& role, const std::vector<std::string>& paths, const Targets& t) {
    if (!allowed(paths, name)) return true;
    auto it = t.targets.find(std::string(name));
    if (it == t.targets.end()) return true;
    found = TargetInfo{it->first, role, it->second};
    return false;
  });
  return found;
}

std::optional<Updater::TargetInfo> Updater::find_target(std::string_view name, std::string_view first) const {
  const auto* top = set_->targets();
  const auto* role = set_->targets(first);
  if (top && role && valid_child(first, "targets"))
    for (const auto& d : top->signed_.delegations.roles)
      if (d.name == first && allowed(d.paths, name))
        if (auto it = role->signed_.targets.find(std::string(name)); it != role->signed_.targets.end())
          return TargetInfo{it->first, d.name, it->second};
  return find_target(name);
}

std::vector<Updater::TargetView> Updater::list_targets() const {
  std::vector<TargetView> v;
  walk_targets(*set_, [&](const std::string& role, const std::vector<std::string>& paths, const Targets& t) {
    std::string_view stable_role = set_->targets_role_name(role);
    for (const auto& [name, meta] : t.targets)
      if (allowed(paths, name)) v.push_back(TargetView{name, stable_role, &meta});
    return true;
  });
  // Sorted by name; for a name signed by several roles the first in walk order wins.
  std::stable_sort(v.begin(), v.end(), [](const TargetView& a, const TargetView& b) { return a.name < b.name; });
  v.erase(std::unique(v.begin(), v.end(), [](const TargetView& a, const TargetView& b) { return a.name == b.name; }), v.end());
  return v;
}

std::optional<Signed<Targets>> Updater::take_targets() {
  if (!set_) return std::nullopt;
  return set_->take_targets();
}

}  // namespace signy::tuf
