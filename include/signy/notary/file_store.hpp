// A trust repository in a local directory with the paths of Notary's HTTP API
// (<root>/<gun>/_trust/tuf/<role>.json, plus <role>.<sha256>.json and <version>.<role>.json),
// so that the directory copied to any static web server serves as a read-only mirror.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "signy/notary/remote.hpp"

namespace signy::notary {

class FileStore : public Remote {
 public:
  // Refuses GUNs that could escape the directory (.., absolute, odd characters).
  static Result<FileStore> open(std::filesystem::path root, std::string gun);

  Result<std::string> fetch(std::string_view role, std::size_t max_size) override;
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view sha256_hex, std::size_t max_size) override;
  Result<std::string> fetch_by_version(std::string_view role, std::int64_t version, std::size_t max_size) override;

  // Writes every file under its three names; the timestamp's current name is written last, so a
  // reader never sees a timestamp that points at files not yet written. Each write is atomic.
  Status publish(const std::map<std::string, std::string>& files) override;
  Status delete_collection() override;
  bool server_signs(std::string_view) const override { return false; }  // signy holds all four keys
  Result<crypto::NotaryKey> server_key(std::string_view role) override {
    return fail(Errc::not_found, "a file repository holds no " + std::string(role) + " key");
  }

  Result<crypto::NotaryKey> rotate_server_key(std::string_view role) override {
    return fail(Errc::usage, "a file repository has no server to hold the " + std::string(role) + " key: rotate it without --server-managed");
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit FileStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<std::string> read(const std::string& name, std::size_t max_size) const;
  std::filesystem::path dir_;  // <root>/<gun>/_trust/tuf
};

// Notary role names: root, snapshot, timestamp, targets and targets/<[-a-z0-9_/]+>.
bool valid_role_name(std::string_view role);
// GUN characters Notary accepts in URLs and signy accepts on disk: [A-Za-z0-9._:/-], no "..".
bool valid_gun(std::string_view gun);

}  // namespace signy::notary
