#include "signy/net/auth.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "signy/cjson/cjson.hpp"
#include "signy/sys/process.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::net {
namespace {

constexpr std::size_t kMaxConfig = 1u << 20;
constexpr std::size_t kMaxTokenBody = 64u << 10;
constexpr std::size_t kMaxHelperOutput = 64u << 10;

// A query value percent-encoded: every byte but RFC 3986's unreserved characters as %XX (upper
// case), as curl_easy_escape writes it.
std::string escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) out += static_cast<char>(c);
    else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "user:password" -> Credentials (docker config "auth", SIGNY_AUTH).
Result<Credentials> split_basic(std::string_view b64, const std::string& source) {
  auto raw = base64_decode(b64);
  if (!raw) return fail(Errc::malformed_json, source + ": the credentials are not base64 of \"user:password\"");
  SecretString text(std::string(raw->begin(), raw->end()));
  secure_wipe(raw->data(), raw->size());
  auto colon = text.view().find(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail(Errc::malformed_json, source + ": the credentials are not \"user:password\"");
  return Credentials{SecretString(std::string(text.view().substr(0, colon))), SecretString(std::string(text.view().substr(colon + 1)))};
}

// docker-credential-<helper> get, host on stdin -> {"ServerURL","Username","Secret"}.
Result<std::optional<Credentials>> from_helper(const std::string& helper, std::string_view host) {
  for (char c : helper)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return fail(Errc::malformed_json, "credential helper name \"" + helper.substr(0, 64) + "\" is not valid");
  std::string program = "docker-credential-" + helper;
  auto run = sys::run({program, "get"}, host, std::chrono::seconds(10), kMaxHelperOutput);
  if (!run) return tl::unexpected(run.error().context("credential helper " + program));
  SecretString output(std::move(run->output));
  // docker-credential-helpers: "credentials not found in native keychain" and exit 1 = none.
  if (run->exit_code != 0) {
    if (output.view().find("credentials not found") != std::string_view::npos) return std::nullopt;
    return fail(Errc::io_error, "credential helper " + program + " failed (exit " + std::to_string(run->exit_code) + ")");
  }
  auto j = cjson::parse_strict(output.view());
  if (!j || !j->is_object() || !(*j)["Username"].is_string() || !(*j)["Secret"].is_string())
    return fail(Errc::malformed_json, "credential helper " + program + " did not answer {\"Username\",\"Secret\"}");
  std::string user = (*j)["Username"].get<std::string>(), secret = (*j)["Secret"].get<std::string>();
  (*j)["Secret"] = "";
  if (user == "<token>") {
    secure_wipe(secret.data(), secret.size());
    return fail(Errc::unsupported_value, "credential helper " + program + " holds an identity token for " + std::string(host) +
                                              "; signy needs a username and password");
  }
  Credentials c{SecretString(std::move(user)), SecretString(std::move(secret))};
  return std::optional<Credentials>(std::move(c));
}

std::string default_config_file() {
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return (std::filesystem::path(d) / "config.json").string();
  if (const char* h = std::getenv("HOME"); h && *h) return (std::filesystem::path(h) / ".docker" / "config.json").string();
  return {};
}

// docker config keys name a host with or without a scheme and path.
bool same_host(std::string_view key, std::string_view host) { return url_host(key) == host; }

}  // namespace

std::string url_host(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  if (auto p = url.find('/'); p != std::string_view::npos) url = url.substr(0, p);
  return std::string(url);
}

Result<Challenge> parse_bearer_challenge(std::string_view h) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::malformed_json, "the server's authentication challenge " + why);
  };
  if (h.size() < 7 || (h.substr(0, 7) != "Bearer " && h.substr(0, 7) != "bearer "))
    return bad("is not a Bearer token challenge");
  h.remove_prefix(7);
  Challenge c;
  // RFC 7235 auth-params: name=value or name="quoted \" value", comma separated.
  while (!h.empty()) {
    while (!h.empty() && (h.front() == ' ' || h.front() == ',')) h.remove_prefix(1);
    if (h.empty()) break;
    auto eq = h.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad("is malformed");
    std::string name(h.substr(0, eq));
    h.remove_prefix(eq + 1);
    std::string value;
    if (!h.empty() && h.front() == '"') {
      h.remove_prefix(1);
      bool closed = false;
      while (!h.empty()) {
        char ch = h.front();
        h.remove_prefix(1);
        if (ch == '\\' && !h.empty()) {
          value += h.front();
          h.remove_prefix(1);
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value += ch;
        }
      }
      if (!closed) return bad("has an unterminated quoted value");
    } else {
      auto end = h.find(',');
      value = std::string(h.substr(0, end));
      h.remove_prefix(end == std::string_view::npos ? h.size() : end);
    }
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "realm") c.realm = value;
    else if (name == "service") c.service = value;
    else if (name == "scope") c.scope = value;
  }
  if (c.realm.empty()) return bad("names no realm");
  if (c.realm.rfind("https://", 0) != 0 && !is_loopback_http(c.realm))
    return fail(Errc::untrusted_key, "the server sends credentials to \"" + c.realm.substr(0, 100) +
                                         "\": a token realm must be https:// (http:// only on loopback: 127.0.0.0/8, [::1], localhost)");
  return c;
}

Result<std::optional<Credentials>> find_credentials(std::string_view host_in, std::optional<std::string> config_file, bool use_env) {
  if (const char* env = std::getenv("SIGNY_AUTH"); use_env && env && *env) {
    auto c = SIGNY_TRY(split_basic(env, "SIGNY_AUTH"));
    return std::optional<Credentials>(std::move(c));
  }
  // Docker Hub's credentials live under "https://index.docker.io/v1/", whichever of its hosts is
  // asked (docker/cli registry.IndexServer), and helpers are asked for that key.
  bool hub = host_in == "docker.io" || host_in == "index.docker.io" || host_in == "registry-1.docker.io";
  std::string_view host = hub ? std::string_view("index.docker.io") : host_in;
  std::string_view helper_key = hub ? std::string_view("https://index.docker.io/v1/") : host_in;
  std::string path = config_file ? *config_file : default_config_file();
  if (path.empty()) return std::nullopt;
  auto text = read_file_limited(path, kMaxConfig);
  if (!text) {
    if (text.error().code == Errc::not_found) return std::nullopt;
    return tl::unexpected(text.error());
  }
  SecretString secret_text(std::move(*text));  // the file may hold passwords
  auto j = cjson::parse_strict(secret_text.view());
  if (!j) return tl::unexpected(j.error().context(path));
  if (!j->is_object()) return fail(Errc::malformed_json, path + ": not a JSON object");
  // A credential helper for this host, else the default store, else the file itself.
  if (auto it = j->find("credHelpers"); it != j->end()) {
    if (!it->is_object()) return fail(Errc::malformed_json, path + ": \"credHelpers\" is not an object");
    for (const auto& [key, helper] : it->items())
      if (same_host(key, host)) {
        if (!helper.is_string()) return fail(Errc::malformed_json, path + ": credHelpers entries must be strings");
        return from_helper(helper.get<std::string>(), helper_key);
      }
  }
  if (auto it = j->find("credsStore"); it != j->end()) {
    if (!it->is_string()) return fail(Errc::malformed_json, path + ": \"credsStore\" is not a string");
    if (!it->get_ref<const std::string&>().empty()) {
      auto c = SIGNY_TRY(from_helper(it->get<std::string>(), helper_key));
      if (c) return c;
    }
  }
  if (auto it = j->find("auths"); it != j->end()) {
    if (!it->is_object()) return fail(Errc::malformed_json, path + ": \"auths\" is not an object");
    for (const auto& [key, entry] : it->items()) {
      if (!same_host(key, host)) continue;
      if (!entry.is_object()) return fail(Errc::malformed_json, path + ": auths entries must be objects");
      if (entry.contains("identitytoken"))
        return fail(Errc::unsupported_value, path + " holds an identity token for " + std::string(host) +
                                                 "; signy needs a username and password (\"auth\")");
      if (auto a = entry.find("auth"); a != entry.end()) {
        if (!a->is_string()) return fail(Errc::malformed_json, path + ": \"auth\" is not a string");
        auto c = SIGNY_TRY(split_basic(a->get_ref<const std::string&>(), path));
        return std::optional<Credentials>(std::move(c));
      }
      if (entry.contains("username") && entry.contains("password") && entry["username"].is_string() && entry["password"].is_string()) {
        Credentials c{SecretString(entry["username"].get<std::string>()), SecretString(entry["password"].get<std::string>())};
        return std::optional<Credentials>(std::move(c));
      }
    }
  }
  return std::nullopt;
}

Result<SecretString> fetch_token(Transport& client, const Challenge& challenge, std::string_view scope,
                                 const std::optional<Credentials>& credentials) {
  std::string url = challenge.realm + (challenge.realm.find('?') == std::string::npos ? "?" : "&");
  url += "service=" + escape(challenge.service);
  // Several scopes (a mount: "repository:a:pull,push repository:b:pull"): one scope= each
  // (distribution token.md; oci-formats 4.2).
  for (std::size_t i = 0; i < scope.size();) {
    auto end = std::min(scope.find(' ', i), scope.size());
    if (end > i) url += "&scope=" + escape(scope.substr(i, end - i));
    i = end + 1;
  }
  std::string basic;
  if (credentials) {
    std::string pair(credentials->username.view());
    pair += ':';
    pair += credentials->password.view();
    basic = "Basic " + base64_encode(as_bytes(pair));
    secure_wipe(pair.data(), pair.size());
  }
  Request request;
  request.url = url;
  request.authorization = basic;
  auto r = client.fetch(request, kMaxTokenBody);
  secure_wipe(basic.data(), basic.size());
  if (!r) return tl::unexpected(r.error().context("token service " + challenge.realm.substr(0, 100)));
  SecretString body(std::move(r->body));
  if (r->status == 401 || r->status == 403)
    return fail(Errc::unauthorized, std::string("token service ") + challenge.realm.substr(0, 100) + " refused " +
                                         (credentials ? "the credentials" : "an anonymous request") + " (HTTP " +
                                         std::to_string(r->status) + ")" +
                                         (credentials ? "" : "; give credentials in the docker config (or, for a Notary server, SIGNY_AUTH)"));
  if (r->status != 200)
    return fail(Errc::network, "token service " + challenge.realm.substr(0, 100) + ": HTTP " + std::to_string(r->status));
  auto j = cjson::parse_strict(body.view());
  if (!j || !j->is_object()) return fail(Errc::malformed_json, "token service answered no JSON object");
  for (const char* field : {"token", "access_token"}) {
    auto it = j->find(field);
    if (it != j->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      SecretString token(it->get<std::string>());
      for (char c : token.view())
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
          return fail(Errc::malformed_json, "token service answered a token with control characters");
      return token;
    }
  }
  return fail(Errc::malformed_json, "token service answered no token");
}

}  // namespace signy::net

namespace signy::net {
namespace {
constexpr std::size_t kMaxRefusedBody = 64u << 10;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}
}  // namespace

AuthClient::AuthClient(std::unique_ptr<Transport> transport, std::string server, std::optional<std::string> config_file)
    : transport_(std::move(transport)), server_(std::move(server)), config_file_(std::move(config_file)) {
  describe_ = [](const HttpResponse& r) { return "HTTP " + std::to_string(r.status); };
}

Result<ResponseHead> AuthClient::send_once(const Request& request, const BodySink& sink, std::size_t max_body,
                                           HttpResponse& refused) {
  refused.body.clear();
  // A 401's body is the server's explanation, not the resource: kept for the error only, and
  // not held to the resource's cap (a 4-byte blob may be refused with a 200-byte JSON error).
  std::size_t received = 0;
  std::size_t cap = std::max(max_body, kMaxRefusedBody);
  auto r = transport_->send(request, [&](const ResponseHead& head, std::string_view chunk) -> Status {
    if (head.status == 401) {
      refused.body.append(chunk.substr(0, kMaxRefusedBody - std::min(kMaxRefusedBody, refused.body.size())));
      return {};
    }
    received += chunk.size();
    if (received > max_body)
      return fail(Errc::too_large, request.url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
    return sink(head, chunk);
  }, cap);
  // The transport's own refusal (an announced length, an endless body) names the caller's cap.
  if (!r && r.error().code == Errc::too_large && cap != max_body &&
      r.error().message.find("-byte limit") != std::string::npos)
    return fail(Errc::too_large, request.url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
  return r;
}

Result<ResponseHead> AuthClient::send(Request request, std::string_view scope_in, const BodySink& sink, std::size_t max_body) {
  std::string key(scope_in), scope(scope_in);
  auto cached = tokens_.find(key);
  if (cached != tokens_.end()) request.authorization = cached->second.view();
  // Credentials a Basic server accepted go at once to its other paths, whatever the scope (its
  // challenge names none), never to another host or over plain non-loopback http.
  else if (basic_ && url_host(request.url) == basic_host_ &&
           (request.url.rfind("https://", 0) == 0 || is_loopback_http(request.url)))
    request.authorization = basic_->view();
  HttpResponse refused;
  auto r = send_once(request, sink, max_body, refused);
  // A 401 not answered: its body goes to the sink after all.
  auto as_is = [&]() -> Result<ResponseHead> {
    if (r && r->status == 401 && !refused.body.empty()) SIGNY_TRY_VOID(sink(*r, refused.body));
    return r;
  };
  if (!r || r->status != 401 || r->www_authenticate.empty()) return as_is();
  // A request whose body cannot be read again is not sent again.
  if (request.source && !request.source->rewind) return as_is();
  if (request.source) SIGNY_TRY_VOID(request.source->rewind());
  bool basic = starts_with_ci(r->www_authenticate, "basic ") || r->www_authenticate == "Basic";
  std::optional<Challenge> challenge;
  if (!basic) {
    auto parsed = parse_bearer_challenge(r->www_authenticate);
    if (!parsed) return tl::unexpected(parsed.error().context(server_));
    challenge = std::move(*parsed);
    if (!challenge->scope.empty()) scope = challenge->scope;
  }
  if (cached != tokens_.end() && cached->first == scope)
    return fail(Errc::unauthorized, server_ + (basic ? ": the server refused the credentials" : ": the server refused the token for " + scope));
  if (!credentials_looked_up_) {
    auto found = find_credentials(url_host(server_), config_file_, env_credentials_);
    if (!found) return tl::unexpected(found.error());
    credentials_ = std::move(*found);
    credentials_looked_up_ = true;
  }
  std::string value;
  if (basic) {
    // HTTP Basic (RFC 7617): the password itself goes to the server, so never in clear text.
    if (!credentials_) return as_is();  // nothing to answer with: the caller reports the 401
    if (request.url.rfind("https://", 0) != 0 && !is_loopback_http(request.url))
      return fail(Errc::untrusted_key, server_ + ": the server asks for a password over plain http://");
    std::string pair(credentials_->username.view());
    pair += ':';
    pair += credentials_->password.view();
    value = "Basic " + base64_encode(as_bytes(pair));
    secure_wipe(pair.data(), pair.size());
  } else {
    auto token = fetch_token(*transport_, *challenge, scope, credentials_);
    if (!token) return tl::unexpected(token.error());
    log::debug("got a token for " + scope + " from " + challenge->realm);
    value = "Bearer ";
    value += token->view();
  }
  auto& stored = tokens_[key] = SecretString(std::move(value));
  request.authorization = stored.view();
  auto again = send_once(request, sink, max_body, refused);
  if (basic && again && again->status != 401) {
    basic_ = SecretString(std::string(stored.view()));
    basic_host_ = url_host(request.url);
  }
  if (again && again->status == 401) {
    HttpResponse described;
    static_cast<ResponseHead&>(described) = *again;
    described.body = std::move(refused.body);
    if (basic) return fail(Errc::unauthorized, server_ + ": the server refused the credentials (" + describe_(described) + ")");
    return fail(Errc::unauthorized, server_ + ": the server refused the token for " + scope + " (" + describe_(described) + ")");
  }
  return again;
}

Result<HttpResponse> AuthClient::fetch(Request request, std::string_view scope, std::size_t max_body) {
  HttpResponse out;
  auto url = request.url;
  auto head = send(std::move(request), scope, collect_into(out.body, max_body, std::move(url)), max_body);
  if (!head) return tl::unexpected(head.error());
  static_cast<ResponseHead&>(out) = std::move(*head);
  // An unauthenticated 401 keeps its body for the caller's error.
  return out;
}

}  // namespace signy::net
