#include "signy/notary/file_store.hpp"

#include <algorithm>

#include "signy/crypto/digest.hpp"
#include "signy/util/file.hpp"

namespace signy::notary {
namespace fs = std::filesystem;

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

Result<FileStore> FileStore::open(fs::path root, std::string gun) {
  if (!valid_gun(gun)) return fail(Errc::usage, "invalid GUN \"" + gun.substr(0, 100) + "\"");
  return FileStore(root / gun / "_trust" / "tuf");
}

Result<std::string> FileStore::read(const std::string& name, std::size_t max_size) const {
  auto r = read_file_limited(dir_ / name, max_size);
  if (!r && r.error().code == Errc::too_large)
    return fail(Errc::too_large, name + ": larger than the " + std::to_string(max_size) + "-byte limit (endless data?)");
  if (!r && r.error().code == Errc::not_found) return fail(Errc::not_found, "no " + name + " in " + dir_.string());
  return r;
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
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return fail(Errc::not_found, dir_.string() + ": no such collection");
  std::filesystem::remove_all(dir_, ec);
  if (ec) return fail(Errc::io_error, "cannot delete " + dir_.string() + ": " + ec.message());
  return {};
}

Status FileStore::publish(const std::map<std::string, std::string>& files) {
  auto write = [&](const std::string& name, const std::string& bytes) -> Status {
    auto path = dir_ / name;
    SIGNY_TRY_VOID(make_private_dirs(path.parent_path(), 0755));  // a public mirror
    return atomic_write(path, bytes, 0644);
  };
  for (const auto& [role, bytes] : files)
    if (!valid_role_name(role)) return fail(Errc::usage, "invalid role name \"" + role.substr(0, 64) + "\"");
  // Consistent names first (by hash, by version), then current names, timestamp last.
  for (const auto& [role, bytes] : files) {
    auto hex = hex_encode(crypto::sha256(as_bytes(bytes)));
    SIGNY_TRY_VOID(write(role + "." + hex + ".json", bytes));
    if (auto parsed = cjson::parse_strict(bytes); parsed && (*parsed)["signed"].contains("version")) {
      auto v = (*parsed)["signed"]["version"].get<std::int64_t>();
      auto slash = role.rfind('/');
      std::string vname = slash == std::string::npos ? std::to_string(v) + "." + role
                                                     : role.substr(0, slash + 1) + std::to_string(v) + "." + role.substr(slash + 1);
      SIGNY_TRY_VOID(write(vname + ".json", bytes));
    }
  }
  for (const auto& [role, bytes] : files)
    if (role != "timestamp") SIGNY_TRY_VOID(write(role + ".json", bytes));
  if (auto it = files.find("timestamp"); it != files.end()) SIGNY_TRY_VOID(write("timestamp.json", it->second));
  return {};
}

}  // namespace signy::notary
