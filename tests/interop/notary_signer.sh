#!/usr/bin/env bash
# The notary-server interop suite again, with notary-signer as the trust service (ecdsa keys).
NOTARY_TRUST=signer exec bash "$(dirname "$0")/notary_server.sh"
