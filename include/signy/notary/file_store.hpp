// A trust repository in a local directory laid out like Notary's HTTP API under a `v2/` level
// (<root>/v2/<gun>/_trust/tuf/<role>.json, plus <role>.<sha256>.json and <version>.<role>.json),
// so that <root> served by any static web server (or <root>/v2 copied under a web root) is a
// read-only mirror for `--server https://host[/prefix]`. Writers publish under <root>/.signy/lock
// and write their temporary files in <root>/.signy/staging/ (0700), never in the served tree.
// Repositories of signy 0.x without `v2/` (<root>/<gun>/_trust/tuf) are still read; the first
// publish or delete of such a collection moves it under v2/.
#pragma once
#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "signy/notary/remote.hpp"
#include "signy/util/lock.hpp"

namespace signy::notary {

class FileStore : public Remote {
 public:
  // Refuses GUNs that could escape the directory (.., absolute, odd characters). Writers wait at
  // most lock_wait for the repository lock.
  static Result<FileStore> open(std::filesystem::path root, std::string gun,
                                std::chrono::milliseconds lock_wait = kDefaultLockWait);

  Result<std::string> fetch(std::string_view role, std::size_t max_size) override;
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view sha256_hex, std::size_t max_size) override;
  Result<std::string> fetch_by_version(std::string_view role, std::int64_t version, std::size_t max_size) override;

  // Writes every file under its three names; the timestamp's current name is written last, so a
  // reader never sees a timestamp that points at files not yet written. Each write is atomic.
  // Under the repository lock, as notary-server does, a file whose version is not newer than the
  // published one is refused with Errc::conflict: another writer published first.
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
  FileStore(std::filesystem::path root, std::string gun, std::chrono::milliseconds lock_wait);
  Result<std::string> read(const std::string& name, std::size_t max_size) const;
  Result<FileLock> lock_for_writing();
  Status check_newer(const std::string& role, const std::string& bytes) const;
  std::filesystem::path root_;
  std::string gun_;
  std::filesystem::path dir_;         // <root>/v2/<gun>/_trust/tuf
  std::filesystem::path legacy_dir_;  // <root>/<gun>/_trust/tuf, empty when the GUN starts with "v2/"
  std::chrono::milliseconds lock_wait_;
};

// Notary role names: root, snapshot, timestamp, targets and targets/<[-a-z0-9_/]+>.
bool valid_role_name(std::string_view role);
// GUN characters Notary accepts in URLs and signy accepts on disk: [A-Za-z0-9._:/-], no "..".
bool valid_gun(std::string_view gun);
// valid_gun as a usage error naming the GUN (its first 100 bytes).
Status check_gun(std::string_view gun);

}  // namespace signy::notary
