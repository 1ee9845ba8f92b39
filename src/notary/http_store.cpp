// Notary's HTTP API (notary server/server.go routes; storage/httpstore.go):
//   GET  <server>/v2/<gun>/_trust/tuf/<role>.json | <role>.<sha256>.json | <version>.<role>.json
//   GET  <server>/v2/<gun>/_trust/tuf/<timestamp|snapshot>.key
//   POST <server>/v2/<gun>/_trust/tuf/<timestamp|snapshot>.key   (rotation, server/server.go RotateKey)
//   POST <server>/v2/<gun>/_trust/tuf/   multipart, one part per role named "files"
#include "signy/net/auth.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/notary/remote.hpp"
#include "signy/util/log.hpp"

namespace signy::notary {
namespace {

constexpr std::size_t kMaxKeyBody = 256u << 10;   // notary: keys <= 256 KiB
constexpr std::size_t kMaxErrorBody = 64u << 10;

// One line from Notary's {"errors":[{"code","message","detail"}]} body.
std::string describe_error(const net::HttpResponse& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  auto j = cjson::parse_strict(r.body.substr(0, kMaxErrorBody));
  if (j && j->is_object() && j->contains("errors") && (*j)["errors"].is_array() && !(*j)["errors"].empty()) {
    const auto& e = (*j)["errors"][0];
    if (e.is_object()) {
      out += ": " + e.value("code", std::string()) + ": " + e.value("message", std::string());
      if (e.contains("detail") && e["detail"].is_object() && e["detail"].contains("Error")) {
        const auto& d = e["detail"];
        std::string msg = d["Error"].is_object() ? d["Error"].value("Msg", std::string()) : std::string();
        out += " (" + d.value("Name", std::string()) + (msg.empty() ? "" : ": " + msg) + ")";
      }
    }
  }
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out.substr(0, 400);
}

// The code of the first error in Notary's error body ("VERSION", "UPDATE", ...), or "".
std::string error_code(const net::HttpResponse& r) {
  auto j = cjson::parse_strict(r.body.substr(0, kMaxErrorBody));
  if (!j || !j->is_object() || !j->contains("errors") || !(*j)["errors"].is_array() || (*j)["errors"].empty()) return {};
  const auto& e = (*j)["errors"][0];
  return e.is_object() && e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : std::string();
}

// A static web server (a mirror of a file:// repository) answers a POST or DELETE with 405
// (nginx, Apache) or 501 (python's http.server).
bool refuses_method(const net::HttpResponse& r) { return r.status == 405 || r.status == 501; }

class HttpStore : public Remote {
 public:
  HttpStore(std::string base, std::string gun, std::unique_ptr<net::Transport> transport)
      : base_(std::move(base)), gun_(std::move(gun)), client_(std::move(transport), base_) {
    client_.set_describe(describe_error);
  }

  Result<std::string> fetch(std::string_view role, std::size_t max) override { return get(std::string(role) + ".json", max); }
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view hex, std::size_t max) override {
    return get(std::string(role) + "." + std::string(hex) + ".json", max);
  }
  Result<std::string> fetch_by_version(std::string_view role, std::int64_t v, std::size_t max) override {
    return get(std::to_string(v) + "." + std::string(role) + ".json", max);
  }
  Status publish(const std::map<std::string, std::string>& files) override {
    std::vector<net::MultipartPart> parts;
    for (const auto& [role, bytes] : files) parts.push_back({"files", role, "application/octet-stream", bytes});
    // notary-server's token auth: publishing needs push and pull (notary cmd/notary/tuf.go).
    auto r = send(net::Method::post, base_, "push,pull", kMaxErrorBody, std::move(parts));
    if (!r) return tl::unexpected(r.error());
    if (r->status == 200) return {};
    if (refuses_method(*r))
      return fail(Errc::read_only, "the server " + base_ + " does not accept publishing (HTTP " + std::to_string(r->status) +
                                       "): a static mirror is read-only; sign with the Notary server or file:// repository it mirrors");
    // notary-server: 400 "VERSION" (storage ErrOldVersion) when another writer published a newer
    // version since our refresh; any other 400 refuses the update itself (validation).
    if (r->status == 400 && error_code(*r) == "VERSION")
      return fail(Errc::conflict, "the Notary server refused the update: another writer published first (" + describe_error(*r) + ")");
    // Any other refusal is the server's answer, not a verdict on signatures signy checked: a
    // network-category error with the server's own message.
    return fail(Errc::network, "the Notary server refused the update: " + describe_error(*r));
  }
  Status delete_collection() override {
    // notary-server: deleting needs every action ("*"; notary cmd/notary/tuf.go admin scope).
    auto r = send(net::Method::del, base_, "*", kMaxErrorBody);
    if (!r) return tl::unexpected(r.error());
    if (r->status == 200) return {};
    if (r->status == 404) return fail(Errc::not_found_remote, base_ + ": no such collection on the server");
    if (refuses_method(*r))
      return fail(Errc::read_only, "the server " + base_ + " does not accept deleting (HTTP " + std::to_string(r->status) +
                                       "): a static mirror is read-only");
    return fail(Errc::network, "the Notary server refused to delete the collection: " + describe_error(*r));
  }
  bool server_signs(std::string_view role) const override { return role == "timestamp" || role == "snapshot"; }
  Result<crypto::NotaryKey> server_key(std::string_view role) override {
    auto body = SIGNY_TRY(get(std::string(role) + ".key", kMaxKeyBody));
    auto j = cjson::parse_strict(body);
    if (!j) return tl::unexpected(j.error().context("server " + std::string(role) + " key"));
    return crypto::NotaryKey::from_json(*j);
  }
  Result<crypto::NotaryKey> rotate_server_key(std::string_view role) override {
    // notary-server RotateKeyHandler: needs every action ("*") on the repository.
    std::string url = base_ + std::string(role) + ".key";
    auto r = send(net::Method::post, url, "*", kMaxKeyBody);
    if (!r) return tl::unexpected(r.error());
    if (r->status != 200) return fail(Errc::network, "the Notary server refused to rotate the " + std::string(role) + " key: " + describe_error(*r));
    auto j = cjson::parse_strict(r->body);
    if (!j) return tl::unexpected(j.error().context("server " + std::string(role) + " key"));
    return crypto::NotaryKey::from_json(*j);
  }

 private:
  // Through the authenticating client: a 401 with a challenge is answered once per scope and
  // command (notary-server's token auth: repository:<gun>:<actions>).
  Result<net::HttpResponse> send(net::Method method, const std::string& url, const std::string& actions, std::size_t max,
                                 std::vector<net::MultipartPart> parts = {}) {
    net::Request request;
    request.method = method;
    request.url = url;
    request.multipart = std::move(parts);
    return client_.fetch(std::move(request), "repository:" + gun_ + ":" + actions, max);
  }

  // notary-server: metadata needs pull; a server key needs push and pull (it may create it).
  Result<std::string> get(const std::string& name, std::size_t max) {
    std::string actions = name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0 ? "push,pull" : "pull";
    auto r = send(net::Method::get, base_ + name, actions, max);
    if (!r) return tl::unexpected(r.error());
    if (r->status == 200) return std::move(r->body);
    // The server's 404 is a network error (exit 4), not local I/O; tuf::is_missing() still sees
    // a collection that does not exist yet.
    if (r->status == 404) return fail(Errc::not_found_remote, base_ + name + ": not found on the server");
    return fail(Errc::network, base_ + name + ": " + describe_error(*r));
  }
  std::string base_, gun_;
  net::AuthClient client_;
};

}  // namespace

Result<std::unique_ptr<Remote>> open_remote(std::string_view url_in, const std::string& gun, const net::HttpOptions& http,
                                            std::chrono::milliseconds lock_wait) {
  std::string url(url_in);
  SIGNY_TRY_VOID(check_gun(gun));
  if (url.rfind("file://", 0) == 0) {
    std::filesystem::path root = url.substr(7);
    if (root.empty() || !root.is_absolute()) return fail(Errc::usage, "file:// server needs an absolute path: " + url);
    auto store = SIGNY_TRY(FileStore::open(root, gun, lock_wait));
    return std::unique_ptr<Remote>(std::make_unique<FileStore>(std::move(store)));
  }
  bool https = url.rfind("https://", 0) == 0;
  if (!https && !net::is_loopback_http(url))
    return fail(Errc::usage, "server \"" + url.substr(0, 100) + "\" must be https:// (http:// only on loopback: 127.0.0.0/8, [::1], localhost) or file://");
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto client = SIGNY_TRY(net::HttpClient::create(http));
  return open_remote(url, gun, std::make_unique<net::HttpClient>(std::move(client)));
}

Result<std::unique_ptr<Remote>> open_remote(std::string url, const std::string& gun, std::unique_ptr<net::Transport> transport) {
  SIGNY_TRY_VOID(check_gun(gun));
  while (!url.empty() && url.back() == '/') url.pop_back();
  // The GUN goes into the path unescaped, slashes included, as Notary's clients send it; a path
  // in the URL is kept as a prefix (a static mirror served under https://host/prefix/v2/...).
  return std::unique_ptr<Remote>(std::make_unique<HttpStore>(url + "/v2/" + gun + "/_trust/tuf/", gun, std::move(transport)));
}

}  // namespace signy::notary
