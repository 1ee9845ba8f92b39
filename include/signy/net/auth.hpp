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
#include <optional>
#include <string>
#include <string_view>

#include "signy/net/http.hpp"
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
Result<std::optional<Credentials>> find_credentials(std::string_view host, std::optional<std::string> config_file = {});

// Asks the challenge's realm for a token for `scope` (GET realm?service=..&scope=.., with HTTP
// Basic credentials when there are some). The response's "token" (or "access_token") is returned.
Result<SecretString> fetch_token(HttpClient& client, const Challenge& challenge, std::string_view scope,
                                 const std::optional<Credentials>& credentials);

}  // namespace signy::net
