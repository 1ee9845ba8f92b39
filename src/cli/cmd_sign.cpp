// signy sign bundle.json REF (thin: pushed to the registry, then signed) | signy sign --thick FILE REF
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {
namespace {
void print_in_toto(const api::SignResult& res) {
  if (res.in_toto_targets.empty()) return;
  std::cout << "in-toto: " << res.in_toto_targets.size() << " targets signed with it (stored in " << res.in_toto_storage << ")\n";
  for (const auto& t : res.in_toto_targets) std::cout << "  " << t << "\n";
}
}  // namespace

void register_sign(Registry& r) {
  struct Opts {
    bool thick = false;
    std::string file, ref, root_key, root_key_id, targets_key;
    bool local_snapshot = false, allow_unpinned = false;
    std::string relocation_map;
    bool in_toto = false;
    std::string layout, links, layout_key;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = r.app.add_subcommand(
      "sign",
      "Sign a bundle as a TUF target of its collection: a thin bundle.json is pushed to REF's registry in "
      "cnab-to-oci's layout first (its images copied into REF's repository), then exactly its bytes are signed; "
      "a thick archive (--thick) is signed as is");
  cmd->footer(
      "Examples:\n  signy sign bundle.json localhost:5000/org/app:v1\n"
      "  signy --server https://notary.example.com:4443 sign --thick bundle.tgz registry.example.com/org/app:v1");
  cmd->add_flag("--thick", o->thick, "FILE is a thick bundle archive (hashed as is)");
  cmd->add_option("FILE", o->file, "bundle.json (canonical, RFC 8785), or with --thick a bundle archive")->required();
  cmd->add_option("REF", o->ref, "Reference, e.g. localhost:5000/org/app:v1 (GUN and tag)")->required();
  cmd->add_option("--root-key", o->root_key,
                  "When the collection is created: import this encrypted PEM root key (ECDSA or RSA; its passphrase "
                  "from SIGNY_ROOT_PASSPHRASE) instead of the trust dir's root key")
      ->type_name("FILE");
  cmd->add_option("--root-key-id", o->root_key_id,
                  "When the collection is created: use this root key of the trust dir (needed when it holds several)")
      ->type_name("KEYID");
  cmd->add_option("--targets-key", o->targets_key,
                  "When the collection is created: reuse this targets key of the trust dir (default: a new key for the GUN)")
      ->type_name("KEYID");
  cmd->add_flag("--local-snapshot", o->local_snapshot,
                "When the collection is created on a Notary server: keep the snapshot key in the trust dir and sign "
                "snapshots here (default: the server signs them)");
  cmd->add_option("--relocation-map", o->relocation_map,
                  "Thin bundles: write the relocation map (original image -> its copy in REF's repository) to FILE")
      ->type_name("FILE");
  cmd->add_flag("--allow-unpinned", o->allow_unpinned,
                "Accept images without contentDigest (each named in a warning); the bundle is never rewritten");
  cmd->add_flag("--in-toto", o->in_toto,
                "Also publish an in-toto layout and links through TUF (cnab-spec 301): targets signs the layout and its "
                "key, targets/releases (created on first use, SIGNY_RELEASES_PASSPHRASE) the bundle and its links");
  cmd->add_option("--layout", o->layout, "With --in-toto: the signed root layout")->type_name("FILE");
  cmd->add_option("--links", o->links, "With --in-toto: the directory of the bundle's <step>.<keyid[:8]>.link files")->type_name("DIR");
  cmd->add_option("--layout-key", o->layout_key,
                  "With --in-toto: the layout's public key (signy key export --format in-toto), published signed by targets")
      ->type_name("PUB");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      if (o->thick && !o->relocation_map.empty())
        return fail(Errc::usage, "--relocation-map applies to thin bundles, not --thick");
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      api::SignOptions opts;
      if (!o->root_key.empty()) opts.root_key_file = o->root_key;
      if (!o->root_key_id.empty()) opts.root_key_id = o->root_key_id;
      if (!o->targets_key.empty()) opts.targets_key_id = o->targets_key;
      opts.local_snapshot = o->local_snapshot;
      if (o->in_toto) {
        if (o->layout.empty() || o->links.empty()) return fail(Errc::usage, "--in-toto needs --layout FILE and --links DIR");
        api::InTotoPublish p{o->layout, o->links, {}};
        if (!o->layout_key.empty()) p.layout_key = o->layout_key;
        opts.in_toto = std::move(p);
      } else if (!o->layout.empty() || !o->links.empty() || !o->layout_key.empty()) {
        return fail(Errc::usage, "--layout, --links and --layout-key go with --in-toto");
      }
      if (!o->thick) {
        api::ImageOptions images;
        if (!o->relocation_map.empty()) images.relocation_map = o->relocation_map;
        images.allow_unpinned = o->allow_unpinned;
        auto res = SIGNY_TRY(api::sign_thin(ctx, o->file, o->ref, opts, images));
        for (const auto& w : res.warnings) log::warn(w);
        if (r.global.output == OutputFormat::json) {
          print_json({{"gun", res.gun}, {"target", res.target}, {"length", res.digests.length},
                      {"sha256", hex_encode(res.digests.sha256)}, {"sha512", hex_encode(res.digests.sha512)},
                      {"targets_version", res.targets_version}, {"initialized", res.initialized},
                      {"index_digest", res.index_digest}, {"config_media_type", res.config_media_type},
                      {"images", images_json(res.images)}, {"role", res.role},
                      {"in_toto_targets", res.in_toto_targets}, {"in_toto_storage", res.in_toto_storage}});
          return {};
        }
        std::cout << "Pushed " << o->file << " to " << res.gun << ":" << res.target << " (index " << res.index_digest << ")\n";
        if (res.initialized) std::cout << "Created the trust collection " << res.gun << "\n";
        std::cout << "Signed " << o->file << " as " << res.gun << ":" << res.target << " (" << res.role << " version "
                  << res.targets_version << ")\n  length  " << res.digests.length << "\n  sha256  "
                  << hex_encode(res.digests.sha256) << "\n";
        print_in_toto(res);
        if (!res.images.empty()) {
          std::cout << "Images (in the bundle's repository):\n";
          print_images_text(res.images);
        }
        return {};
      }
      api::ImageOptions thick_images;
      thick_images.allow_unpinned = o->allow_unpinned;
      auto res = SIGNY_TRY(api::sign_thick(ctx, o->file, o->ref, opts, thick_images));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", res.gun}, {"target", res.target}, {"length", res.digests.length},
                    {"sha256", hex_encode(res.digests.sha256)}, {"sha512", hex_encode(res.digests.sha512)},
                    {"targets_version", res.targets_version}, {"initialized", res.initialized}, {"role", res.role},
                    {"in_toto_targets", res.in_toto_targets}, {"in_toto_storage", res.in_toto_storage}});
      } else {
        if (res.initialized) std::cout << "Created the trust collection " << res.gun << "\n";
        std::cout << "Signed " << o->file << " as " << res.gun << ":" << res.target << " (" << res.role << " version "
                  << res.targets_version << ")\n  length  " << res.digests.length << "\n  sha256  "
                  << hex_encode(res.digests.sha256) << "\n";
        print_in_toto(res);
      }
      return {};
    };
  });
}

}  // namespace signy::cli
