// Where a collection's TUF metadata lives: a Notary server over HTTPS, or a file:// repository
// with the same paths. Both are metadata sources for the Updater and publish targets.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "signy/crypto/notary_keys.hpp"
#include "signy/net/http.hpp"
#include "signy/net/transport.hpp"
#include "signy/tuf/updater.hpp"
#include "signy/util/lock.hpp"

namespace signy::notary {

class Remote : public tuf::MetadataSource {
 public:
  // One atomic update: every role file, by role name.
  virtual Status publish(const std::map<std::string, std::string>& files) = 0;
  // Whether the server signs this role itself (a Notary server always signs the timestamp, and
  // the snapshot when the collection's root lists the server's snapshot key).
  virtual bool server_signs(std::string_view role) const = 0;
  // The public key the server signs `role` with (GET .../<role>.key).
  virtual Result<crypto::NotaryKey> server_key(std::string_view role) = 0;
  // Asks the server for a new key for `role` (snapshot or timestamp) and returns its public key
  // (notary key rotate -r: POST .../<role>.key). The server signs with it once root lists it.
  virtual Result<crypto::NotaryKey> rotate_server_key(std::string_view role) = 0;
  // Deletes the collection's metadata (notary delete --remote: DELETE .../_trust/tuf/).
  virtual Status delete_collection() = 0;
};

// "file:///abs/path" or "https://host[:port][/prefix]" ("http://" only on loopback: net::is_loopback_http). A file://
// repository's writers wait at most lock_wait for its lock.
Result<std::unique_ptr<Remote>> open_remote(std::string_view url, const std::string& gun, const net::HttpOptions& http,
                                            std::chrono::milliseconds lock_wait = kDefaultLockWait);
// A Notary server at url (http(s)://, not checked) reached through transport (unit tests: a fake).
Result<std::unique_ptr<Remote>> open_remote(std::string url, const std::string& gun, std::unique_ptr<net::Transport> transport);

}  // namespace signy::notary
