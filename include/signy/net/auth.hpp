// Token authentication to a Notary server (or registry) behind docker's token auth, as the notary
// CLI and docker do it (docker/distribution registry/auth/token, "Docker Registry v2 Bearer token
// specification"): a request answered 401 with `WWW-Authenticate: Bearer realm=...,service=...,
// scope=...` is repeated with a token from the realm, asked for with the user's credentials.
//
// Credentials, in this order: SIGNY_AUTH (base64 of "user:password", like notary's NOTARY_AUTH);
// the docker config file ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): a credential
// helper for the host (credHelpers, else credsStore: `docker-credential-<name> get`), else
// auths[host] (auth = base64 "user:password"). No credentials: the token is asked for anonymously.
// Identity (OAuth2 refresh) tokens are refused with a clear error: the notary CLI has no use for
// them either. Credentials and tokens are SecretStrings: never logged, never in an error.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "signy/net/http.hpp"
#include "signy/net/transport.hpp"
#include "signy/util/secret.hpp"

namespace signy::net {

struct Challenge {
  std::string realm, service, scope;
};
// Parses a Bearer challenge. The realm must be https:// (http:// only on loopback: net::is_loopback_http).
Result<Challenge> parse_bearer_challenge(std::string_view www_authenticate);

struct Credentials {
  SecretString username;
  SecretString password;
};

// The host part of a server URL ("https://notary.example.com:4443/x" -> "notary.example.com:4443").
std::string url_host(std::string_view url);

// Credentials for `host` (host[:port]) from the sources above; none is not an error.
// config_file: the docker config to read (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json).
// use_env: SIGNY_AUTH is consulted (the Notary server's credentials; it names no host, so a
// registry never gets it: the registry client passes false).
Result<std::optional<Credentials>> find_credentials(std::string_view host, std::optional<std::string> config_file = {},
                                                    bool use_env = true);

// Asks the challenge's realm for a token for `scope` (GET realm?service=..&scope=.., one scope=
// per space-separated scope, with HTTP
// Basic credentials when there are some). The response's "token" (or "access_token") is returned.
Result<SecretString> fetch_token(Transport& client, const Challenge& challenge, std::string_view scope,
                                 const std::optional<Credentials>& credentials);

// A Transport with the servers' authentication: a request answered 401 is sent once more,
//  - Bearer challenge: with a token from the realm for the request's scope (the challenge's scope
//    when it names one), fetched once per scope and kept for the client's life;
//  - Basic challenge: with the credentials, over https:// (or loopback http://) only; once
//    accepted they go with the next requests to that host at once, whatever their scope.
// The Notary store and the registry client share it. Scope: "repository:<name>:<actions>".
class AuthClient {
 public:
  // server: the URL named in errors; its host picks the credentials (SIGNY_AUTH, docker config).
  AuthClient(std::unique_ptr<Transport> transport, std::string server, std::optional<std::string> config_file = {});
  // One line from an error body (the Notary store's JSON errors); default "HTTP <status>".
  void set_describe(std::function<std::string(const HttpResponse&)> describe) { describe_ = std::move(describe); }
  // Whether SIGNY_AUTH applies (default true: the Notary store); registries use only the docker
  // config, whose credentials are keyed by host.
  void set_env_credentials(bool use) { env_credentials_ = use; }

  // As Transport::send. A 401's body is not given to the sink (at most 64 KiB, for the error).
  Result<ResponseHead> send(Request request, std::string_view scope, const BodySink& sink, std::size_t max_body);
  Result<HttpResponse> fetch(Request request, std::string_view scope, std::size_t max_body);
  Transport& transport() { return *transport_; }

 private:
  Result<ResponseHead> send_once(const Request& request, const BodySink& sink, std::size_t max_body, HttpResponse& refused);
  std::unique_ptr<Transport> transport_;
  std::string server_;
  std::optional<std::string> config_file_;
  std::function<std::string(const HttpResponse&)> describe_;
  bool credentials_looked_up_ = false;
  bool env_credentials_ = true;
  std::optional<Credentials> credentials_;
  std::map<std::string, SecretString, std::less<>> tokens_;  // scope -> "Bearer <token>" / "Basic ..."
  std::optional<SecretString> basic_;  // "Basic ..." once the server accepted it, for basic_host_
  std::string basic_host_;
};

}  // namespace signy::net
