"""A tampering reverse proxy on 127.0.0.1 between signy and a real notary-server (tests only).

usage: tamper_proxy.py PORT UPSTREAM CA_FILE CONTROL_FILE
The attack is read from CONTROL_FILE before every request, so one proxy serves a whole test:
  pass                 forward unchanged
  badsig ROLE          flip a bit in the first signature of ROLE's metadata
  nosig ROLE           remove every signature of ROLE's metadata (below the threshold)
  rotate FILE          serve FILE for every <version>.root.json, and break the timestamp's
                       signature so that the client looks for a new root (malicious rotation)
  flip ROLE            flip a byte in the middle of ROLE's metadata (hash mismatch)
  replay ROLE FILE     serve FILE's bytes instead of ROLE's metadata (rollback / mix-and-match)
  endless ROLE         append 2 MiB to ROLE's metadata
  stall ROLE           send nothing for 30 s
ROLE matches <role>.json, <role>.<hash>.json and <version>.<role>.json.
"""
import base64, http.server, json, re, ssl, sys, time, urllib.request

port, upstream, ca, control = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)


def role_of(path):
    m = re.search(r"/_trust/tuf/(?:\d+\.)?([a-z/]+?)(?:\.[0-9a-f]{64})?\.json$", path)
    return m.group(1) if m else None


class Proxy(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def forward(self, body=None):
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command,
                                     headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        try:
            with urllib.request.urlopen(req, context=ctx) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def reply(self, status, data):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(*self.forward(body))

    def do_GET(self):
        attack = open(control).read().split()
        status, data = self.forward()
        role = role_of(self.path)
        if attack and attack[0] == "rotate":
            if re.search(r"/_trust/tuf/\d+\.root\.json$", self.path):
                return self.reply(200, open(attack[1], "rb").read())
            attack = ["badsig", "timestamp"]
        if status != 200 or not attack or attack[0] == "pass" or role != attack[1]:
            return self.reply(status, data)
        kind = attack[0]
        if kind == "nosig":
            doc = json.loads(data)
            doc["signatures"] = []
            data = json.dumps(doc, separators=(",", ":")).encode()
        elif kind == "badsig":
            doc = json.loads(data)
            sig = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
            sig[0] ^= 1
            doc["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
            data = json.dumps(doc, separators=(",", ":")).encode()
        elif kind == "flip":
            b = bytearray(data)
            b[len(b) // 2] ^= 1
            data = bytes(b)
        elif kind == "replay":
            data = open(attack[2], "rb").read()
        elif kind == "endless":
            data = data + b" " * (2 << 20)
        elif kind == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            time.sleep(30)
            return
        self.reply(200, data)


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
