"""A docker-style token service on 127.0.0.1 for notary-server's token auth (tests only).

usage: token_server.py PORT CERT KEY SIGNING_CERT SIGNING_KEY ISSUER USER PASSWORD
Serves GET /token?service=..&scope=repository:<name>:<actions> over HTTPS (CERT/KEY). With HTTP
Basic USER:PASSWORD it answers {"token": JWT} granting the asked actions; otherwise 401. The JWT is
ES256, its x5c header carries SIGNING_CERT (issued by the CA notary-server lists as its
rootcertbundle), claims iss/sub/aud/exp/nbf/iat/jti/access as docker/distribution checks them.
Every request is appended to token-requests.log (scope and user, never the password).
"""
import base64, http.server, json, os, ssl, sys, time, urllib.parse
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

port, cert, key, sign_cert, sign_key, issuer, user, password = sys.argv[1:9]
signing_key = serialization.load_pem_private_key(open(sign_key, "rb").read(), None)
leaf_der = x509.load_pem_x509_certificate(open(sign_cert, "rb").read()).public_bytes(serialization.Encoding.DER)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims):
    header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(leaf_der).decode()]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(signing_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        got = self.headers.get("Authorization", "")
        who = None
        if got.startswith("Basic "):
            u, _, p = base64.b64decode(got[6:]).decode().partition(":")
            if u == user and p == password:
                who = u
        scope = q.get("scope", [""])[0]
        with open("token-requests.log", "a") as log:
            log.write(f"{url.path} scope={scope} user={who or '-'}\n")
        if url.path != "/token" or who is None:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        access = []
        if scope:
            kind, rest = scope.split(":", 1)
            name, actions = rest.rsplit(":", 1)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {"iss": issuer, "sub": who, "aud": q.get("service", [""])[0], "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": b64url(os.urandom(12)), "access": access}
        body = json.dumps({"token": jwt(claims), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
