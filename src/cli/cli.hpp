// CLI wiring shared by the command files (one file per command, no logic beyond I/O and
// formatting: the work is done by the library modules).
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "signy/api/api.hpp"
#include "signy/api/verify_bundle.hpp"
#include "signy/util/result.hpp"

namespace signy::cli {

enum class OutputFormat { text, json };

struct GlobalOptions {
  std::string trust_dir;  // -d/--dir, default ~/.signy
  std::string log_level = "warn";
  OutputFormat output = OutputFormat::text;
  std::string tls_ca_file;     // --tlscacert
  long timeout_ms = 30'000;    // -t/--timeout (a Go duration or seconds on the command line)
  std::string server;  // --server URL (file:///path); default file://<trust dir>/server
  std::string map_file;  // --map FILE: the TAP 4 map.json (default <trust dir>/map.json when it exists)
  std::string registry_ca_file;                  // --registry-ca
  std::vector<std::string> insecure_registries;  // --insecure-registry HOST[:PORT]
  // Set by a command that chooses its own exit code on success (the hook's verdict classes).
  std::optional<int> exit_code;
  // Set by a command whose -o json document already carries its failure: main prints the error
  // on stderr only (one JSON object on stdout).
  bool json_written = false;
  std::string policy_file;  // --policy FILE; default <trust dir>/policy.json, else the built-in default

  std::filesystem::path trust_dir_path() const;
};

// A command registers its subcommand and sets `run` when it is selected.
using Action = std::function<Status()>;
struct Registry {
  CLI::App& app;
  GlobalOptions& global;
  Action& run;
};

void register_version(Registry& r);
void register_digest(Registry& r);
void register_key(Registry& r);
void register_key_rotate(Registry& r, CLI::App& key);  // called by register_key
void register_bundle(Registry& r);
void register_sign(Registry& r);
void register_verify(Registry& r);
void register_image(Registry& r);
void register_list(Registry& r);
void register_delete(Registry& r);
void register_layout(Registry& r);
void register_intoto(Registry& r);
void register_hook(Registry& r);
void register_policy(Registry& r);

Result<api::Context> make_context(const GlobalOptions& g, keystore::PassphraseSource& pass);
// make_context's context and the policy --policy names (unset without it: api::verify_bundle
// reads <trust dir>/policy.json, else uses the default).
Result<api::Environment> make_environment(const GlobalOptions& g, keystore::PassphraseSource& pass);

// Context::progress for long hashing: a line on standard error redrawn in place, only when that is
// a terminal and the output is text (else empty: no progress). Erased at the end of each pass.
std::function<void(std::uint64_t done, std::uint64_t total)> terminal_progress(const GlobalOptions& g);

// Prints a JSON document on stdout (pretty, with a trailing newline).
void print_json(const nlohmann::json& j);

// The images a runtime must run, one `name@sha256:...` line each (text), or the `images` list of
// {name, image, reference} objects (JSON).
void print_images_text(const std::vector<cnab::VerifiedImage>& images);
nlohmann::json images_json(const std::vector<cnab::VerifiedImage>& images);

}  // namespace signy::cli
