#!/usr/bin/env python3
"""Helpers for thick-bundle fixtures (scripts/gen-thick-fixtures.sh) and their hostile variants.

  thick_layout.py wrap-index LAYOUT SRC_NAME NEW_NAME
      adds an OCI index blob holding the manifest index.json names SRC_NAME, named NEW_NAME
  thick_layout.py bundle LAYOUT OUT.json NAME=REF...
      writes bundle.json (RFC 8785 bytes: ASCII, integers, sorted keys, no spaces) whose images
      carry the contentDigest, size and mediaType index.json gives REF; NAME is
      invocationImages[0] or a key of images
  thick_layout.py hostile GOOD.tgz OUTDIR
      writes hostile (and harmless) variants of GOOD.tgz with Python's tarfile, for
      tests/unit/cnab/test_archive.cpp; each file's name says what it is
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

REF_NAME = "org.opencontainers.image.ref.name"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def load_index(layout):
    with open(os.path.join(layout, "index.json"), "rb") as f:
        return json.load(f)


def named(index, name):
    for d in index["manifests"]:
        if d.get("annotations", {}).get(REF_NAME) == name:
            return d
    sys.exit(f"thick_layout: index.json names no {name}")


def wrap_index(layout, src, new):
    index = load_index(layout)
    child = dict(named(index, src))
    child.pop("annotations", None)
    child["platform"] = {"architecture": "amd64", "os": "linux"}
    blob = canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child]})
    digest = hashlib.sha256(blob).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(blob)
    index["manifests"].append({"mediaType": OCI_INDEX, "digest": "sha256:" + digest, "size": len(blob),
                               "annotations": {REF_NAME: new}})
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(canonical(index))


def bundle(layout, out, specs):
    index = load_index(layout)
    doc = {"schemaVersion": "v1.0.0", "name": "thick-fixture", "version": "0.1.0",
           "description": "a thick bundle with real OCI image layouts", "invocationImages": [], "images": {}}
    for spec in specs:
        name, ref = spec.split("=", 1)
        d = named(index, ref)
        img = {"imageType": "oci", "image": ref, "contentDigest": d["digest"], "size": d["size"],
               "mediaType": d["mediaType"]}
        if name == "invocationImages[0]":
            doc["invocationImages"].append(img)
        else:
            doc["images"][name] = img
    with open(out, "wb") as f:
        f.write(canonical(doc))


# ------------------------------------------------------------------------------ hostile variants
def read_members(path):
    members = []
    with tarfile.open(path, "r:gz") as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else None
            members.append((m, data))
    return members


def write(path, members, mode="w:gz"):
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as t:
        for m, data in members:
            if data is not None:
                m.size = len(data)
                t.addfile(m, io.BytesIO(data))
            else:
                t.addfile(m)


def write_to(fileobj, members):
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)


def info(name, kind=tarfile.REGTYPE, size=0, **kw):
    m = tarfile.TarInfo(name)
    m.type = kind
    m.size = size
    m.mtime = 1767225600
    m.mode = 0o644
    for k, v in kw.items():
        setattr(m, k, v)
    return m


def renamed(m, name):
    c = info(name, m.type, m.size)
    c.mode = m.mode
    return c


def layout_blob(members, digest):
    for m, data in members:
        if m.name.endswith("blobs/sha256/" + digest.split(":", 1)[1]):
            return m.name, data
    sys.exit(f"thick_layout: no blob {digest}")


def hostile(good, outdir):
    os.makedirs(outdir, exist_ok=True)
    members = read_members(good)
    byname = {m.name: data for m, data in members}
    bundle_json = json.loads(byname["bundle.json"])
    inv = bundle_json["invocationImages"][0]
    web = bundle_json["images"]["web"]
    _, inv_manifest = layout_blob(members, inv["contentDigest"])
    manifest = json.loads(inv_manifest)
    layer_name, layer = layout_blob(members, manifest["layers"][0]["digest"])
    inv_manifest_name, _ = layout_blob(members, inv["contentDigest"])
    out = lambda n: os.path.join(outdir, n)  # noqa: E731

    # Harmless variants: the same archive in other shapes.
    write(out("reverse.tgz"), list(reversed(members)))
    write(out("dotslash.tgz"), [(renamed(m, "./" + m.name), d) for m, d in members])

    # Names.
    write(out("traversal.tgz"), members + [(info("../evil", size=4), b"evil")])
    write(out("traversal_inner.tgz"), members + [(info("artifacts/../../evil", size=4), b"evil")])
    write(out("traversal_escape.tgz"), members + [(info("../\x1b]0;pwned\x07\nsigny: ok", size=4), b"evil")])
    write(out("absolute.tgz"), members + [(info("/etc/evil", size=4), b"evil")])
    write(out("dup_bundle.tgz"), members + [(info("bundle.json", size=2), b"{}")])
    write(out("dup_bundle_dotslash.tgz"), [(info("./bundle.json", size=2), b"{}")] + members)
    bad = "artifacts/layout/blobs/sha256/" + "A" * 64
    # A second tar after the first one's end-of-archive blocks, in the same gzip stream: readers
    # that stop at the end marker see one bundle.json, `tar -i` (ignore zeros) sees two.
    first, second = io.BytesIO(), io.BytesIO()
    write_to(first, members)
    write_to(second, [(info("bundle.json", size=2), b"{}")])
    with gzip.open(out("hidden_after_end.tgz"), "wb") as f:
        f.write(first.getvalue() + second.getvalue())
    write(out("blob_name_upper.tgz"), members + [(info(bad, size=4), b"junk")])
    write(out("blob_name_sha512.tgz"), members + [(info("artifacts/layout/blobs/sha512/" + "a" * 128, size=4), b"junk")])

    # Entry types.
    write(out("symlink.tgz"), members + [(info("artifacts/layout/evil", tarfile.SYMTYPE, linkname="../../../../etc/passwd"), None)])
    write(out("symlink_inside.tgz"), members + [(info("artifacts/alias.json", tarfile.SYMTYPE, linkname="../bundle.json"), None)])
    write(out("hardlink.tgz"), members + [(info("artifacts/evil", tarfile.LNKTYPE, linkname="/etc/shadow"), None)])
    write(out("device.tgz"), members + [(info("artifacts/null", tarfile.CHRTYPE, devmajor=1, devminor=3), None)])
    write(out("blockdev.tgz"), members + [(info("artifacts/sda", tarfile.BLKTYPE, devmajor=8, devminor=0), None)])
    write(out("fifo.tgz"), members + [(info("artifacts/fifo", tarfile.FIFOTYPE), None)])

    # Sizes.
    with tarfile.open(out("bomb.tgz"), "w:gz", compresslevel=6) as t:
        for m, d in members:
            t.addfile(m, io.BytesIO(d) if d is not None else None)
        zeros = 128 << 20
        t.addfile(info("artifacts/zeros", size=zeros), ZeroReader(zeros))
    write(out("big_bundle_json.tgz"), [(info("bundle.json", size=(17 << 20)), b" " * (17 << 20))] +
          [(m, d) for m, d in members if m.name != "bundle.json"])
    pax = info("artifacts/padded", size=4)
    pax.pax_headers = {"comment": "x" * (8 << 20)}  # a pax header record of 8 MiB
    write(out("pax_header_bomb.tgz"), members + [(pax, b"junk")])
    with tarfile.open(out("long_name.tgz"), "w:gz", format=tarfile.GNU_FORMAT) as t:
        t.addfile(info("a/" * (4 << 20) + "x", size=4), io.BytesIO(b"junk"))  # a GNU long name of 8 MiB
    with tarfile.open(out("long_names.tgz"), "w:gz", format=tarfile.GNU_FORMAT) as t:
        for i in range(64):  # 64 names of ~900 kB each, under libarchive's 1 MiB cap (~57 MB held)
            t.addfile(info("artifacts/" + ("d%02d/" % i) * 150000 + "x", size=0), io.BytesIO(b""))
    write(out("no_bundle.tgz"), [(m, d) for m, d in members if m.name != "bundle.json"])

    # Damaged archives.
    raw = open(good, "rb").read()
    open(out("truncated.tgz"), "wb").write(raw[: len(raw) // 2])
    corrupt = bytearray(raw)
    corrupt[len(raw) // 2] ^= 0xFF
    open(out("corrupt.tgz"), "wb").write(bytes(corrupt))
    write(out("plain.tar"), members, mode="w")

    # Layout contents (the archive itself is well-formed: the image checks refuse these).
    damaged = bytearray(layer)
    damaged[len(damaged) // 2] ^= 0x01
    write(out("damaged_layer.tgz"), [(m, bytes(damaged) if m.name == layer_name else d) for m, d in members])
    write(out("short_layer.tgz"), [(m, d[:-1] if m.name == layer_name else d) for m, d in members])
    write(out("missing_layer.tgz"), [(m, d) for m, d in members if m.name != layer_name])
    write(out("missing_image.tgz"), [(m, d) for m, d in members if m.name != inv_manifest_name])
    index = json.loads(byname["artifacts/layout/index.json"])
    for d in index["manifests"]:
        if d.get("annotations", {}).get(REF_NAME) == inv["image"]:
            d["digest"], d["size"], d["mediaType"] = web["contentDigest"], web["size"], web["mediaType"]
    write(out("swapped_index.tgz"), [(m, canonical(index) if m.name == "artifacts/layout/index.json" else d) for m, d in members])


class ZeroReader:
    def __init__(self, n):
        self.left = n

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def main(argv):
    if len(argv) >= 4 and argv[1] == "wrap-index":
        wrap_index(argv[2], argv[3], argv[4])
    elif len(argv) >= 4 and argv[1] == "bundle":
        bundle(argv[2], argv[3], argv[4:])
    elif len(argv) == 4 and argv[1] == "hostile":
        hostile(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
