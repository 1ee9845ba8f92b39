#include "signy/notary/file_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "signy/crypto/digest.hpp"
#include "signy/tuf/metadata.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::notary {
namespace fs = std::filesystem;
namespace {
// The largest published file read back for the version check (the updater's cache cap).
constexpr std::uintmax_t kMaxPublishedSize = 100u << 20;
}  // namespace

bool valid_role_name(std::string_view role) {
  if (role == "root" || role == "snapshot" || role == "timestamp" || role == "targets") return true;
  if (role.substr(0, 8) != "targets/" || role.size() == 8 || role.size() >= 256 || role.back() == '/') return false;
  if (role.find("//") != std::string_view::npos) return false;
  return std::all_of(role.begin() + 8, role.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '/';
  });
}

bool valid_gun(std::string_view gun) {
  if (gun.empty() || gun.size() > 255 || gun.front() == '/' || gun.back() == '/') return false;
  if (gun.find("//") != std::string_view::npos) return false;
  for (std::size_t start = 0; start <= gun.size();) {
    auto end = gun.find('/', start);
    auto part = gun.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part == "." || part == ".." || part == "_trust") return false;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::all_of(gun.begin(), gun.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '/' || c == '-';
  });
}

Status check_gun(std::string_view gun) {
  if (!valid_gun(gun)) return fail(Errc::usage, "invalid GUN \"" + std::string(gun.substr(0, 100)) + "\"");
  return {};
}

FileStore::FileStore(fs::path root, std::string gun, std::chrono::milliseconds lock_wait)
    : root_(std::move(root)), gun_(std::move(gun)), dir_(root_ / "v2" / gun_ / "_trust" / "tuf"), lock_wait_(lock_wait) {
  // The old layout of GUN "v2/x" is the new layout of GUN "x": such GUNs are read only under v2/.
  if (gun_.rfind("v2/", 0) != 0) legacy_dir_ = root_ / gun_ / "_trust" / "tuf";
}

Result<FileStore> FileStore::open(fs::path root, std::string gun, std::chrono::milliseconds lock_wait) {
  SIGNY_TRY_VOID(check_gun(gun));
  return FileStore(std::move(root), std::move(gun), lock_wait);
}

Result<std::string> FileStore::read(const std::string& name, std::size_t max_size) const {
  auto r = read_file_limited(dir_ / name, max_size);
  // A repository without v2/ (signy 0.x); then the new place once more, in case a writer moved
  // the collection between the two reads.
  if (!r && r.error().code == Errc::not_found && !legacy_dir_.empty()) {
    r = read_file_limited(legacy_dir_ / name, max_size);
    if (!r && r.error().code == Errc::not_found) r = read_file_limited(dir_ / name, max_size);
  }
  if (!r && r.error().code == Errc::too_large)
    return fail(Errc::too_large, name + ": larger than the " + std::to_string(max_size) + "-byte limit (endless data?)");
  if (!r && r.error().code == Errc::not_found) return fail(Errc::not_found, "no " + name + " in " + dir_.string());
  return r;
}

// Writers take turns on <root>/.signy/lock. Under it, what killed writers left in the staging
// directory is removed, and a collection still in the old layout is moved under v2/ (one rename).
Result<FileLock> FileStore::lock_for_writing() {
  SIGNY_TRY_VOID(make_private_dirs(root_, 0755));
  SIGNY_TRY_VOID(make_private_dirs(root_ / ".signy" / "staging", 0700));
  auto lock = SIGNY_TRY(FileLock::acquire(root_ / ".signy" / "lock", lock_wait_));
  remove_stale_temp_files(root_ / ".signy" / "staging");
  std::error_code ec;
  fs::path old_trust = legacy_dir_.parent_path(), new_trust = dir_.parent_path();  // .../_trust
  if (!legacy_dir_.empty() && fs::is_directory(old_trust, ec) && !fs::exists(new_trust, ec)) {
    SIGNY_TRY_VOID(make_private_dirs(new_trust.parent_path(), 0755));
    if (::rename(old_trust.c_str(), new_trust.c_str()) != 0)
      return fail(Errc::io_error, "cannot move " + old_trust.string() + " to " + new_trust.string() + ": " + std::strerror(errno));
    log::warn("moved the collection " + gun_ + " of " + root_.string() + " under v2/, the layout a static web server serves");
    // The old path's directories, now empty, up to the root.
    for (auto p = old_trust.parent_path(); p != root_ && p.has_parent_path(); p = p.parent_path())
      if (::rmdir(p.c_str()) != 0) break;
  }
  remove_stale_temp_files(dir_);  // older signy versions wrote them in the served tree
  return lock;
}

// notary-server refuses an update whose version is not newer than the stored one (its storage's
// ErrOldVersion, answered as HTTP 400 "VERSION"): the same check here, under the lock.
Status FileStore::check_newer(const std::string& role, const std::string& bytes) const {
  auto current = read_file_limited(dir_ / (role + ".json"), kMaxPublishedSize);
  if (!current) {
    if (current.error().code == Errc::not_found) return {};
    return tl::unexpected(current.error());
  }
  auto have = tuf::peek_version(*current);
  if (!have) return tl::unexpected(have.error().context((dir_ / (role + ".json")).string()));
  auto want = tuf::peek_version(bytes);
  if (!want) return tl::unexpected(want.error().context("publishing " + role));
  if (*want <= *have)
    return fail(Errc::conflict, "another writer published first: " + (dir_ / (role + ".json")).string() + " is at version " +
                                    std::to_string(*have) + ", this update has " + std::to_string(*want));
  return {};
}

Result<std::string> FileStore::fetch(std::string_view role, std::size_t max_size) {
  if (!valid_role_name(role)) return fail(Errc::malformed_json, "invalid role name");
  return read(std::string(role) + ".json", max_size);
}

Result<std::string> FileStore::fetch_by_hash(std::string_view role, std::string_view hex, std::size_t max_size) {
  if (!valid_role_name(role) || hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return fail(Errc::malformed_json, "invalid role name or hash");
  return read(std::string(role) + "." + std::string(hex) + ".json", max_size);
}

Result<std::string> FileStore::fetch_by_version(std::string_view role, std::int64_t version, std::size_t max_size) {
  if (!valid_role_name(role) || version < 1) return fail(Errc::malformed_json, "invalid role name or version");
  auto slash = role.rfind('/');
  std::string name = slash == std::string_view::npos
                         ? std::to_string(version) + "." + std::string(role)
                         : std::string(role.substr(0, slash + 1)) + std::to_string(version) + "." + std::string(role.substr(slash + 1));
  return read(name + ".json", max_size);
}

Status FileStore::delete_collection() {
  auto lock = SIGNY_TRY(lock_for_writing());
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return fail(Errc::not_found, dir_.string() + ": no such collection");
  fs::remove_all(dir_, ec);
  if (ec) return fail(Errc::io_error, "cannot delete " + dir_.string() + ": " + ec.message());
  return {};
}

Status FileStore::publish(const std::map<std::string, std::string>& files) {
  for (const auto& [role, bytes] : files)
    if (!valid_role_name(role)) return fail(Errc::usage, "invalid role name \"" + role.substr(0, 64) + "\"");
  auto lock = SIGNY_TRY(lock_for_writing());
  for (const auto& [role, bytes] : files) SIGNY_TRY_VOID(check_newer(role, bytes));
  auto staging = root_ / ".signy" / "staging";
  auto write = [&](const std::string& name, const std::string& bytes) -> Status {
    auto path = dir_ / name;
    SIGNY_TRY_VOID(make_private_dirs(path.parent_path(), 0755));  // a public mirror
    return atomic_write(path, bytes, 0644, staging);
  };
  // Consistent names first (by hash, by version), then current names, timestamp last.
  for (const auto& [role, bytes] : files) {
    auto hex = hex_encode(crypto::sha256(as_bytes(bytes)));
    SIGNY_TRY_VOID(write(role + "." + hex + ".json", bytes));
    if (auto v = tuf::peek_version(bytes)) {
      auto slash = role.rfind('/');
      std::string vname = slash == std::string::npos ? std::to_string(*v) + "." + role
                                                     : role.substr(0, slash + 1) + std::to_string(*v) + "." + role.substr(slash + 1);
      SIGNY_TRY_VOID(write(vname + ".json", bytes));
    }
  }
  for (const auto& [role, bytes] : files)
    if (role != "timestamp") SIGNY_TRY_VOID(write(role + ".json", bytes));
  if (auto it = files.find("timestamp"); it != files.end()) SIGNY_TRY_VOID(write("timestamp.json", it->second));
  return {};
}

}  // namespace signy::notary
