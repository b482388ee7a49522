#!/usr/bin/env bash
# Makes a small PKI in DIR (idempotent): a CA, a server certificate for localhost/127.0.0.1 signed by it,
# a client certificate with CN=client1, and a self-signed "rogue" client certificate. Used by the demo broker, the interop tests and the benchmarks.
set -euo pipefail
DIR="${1:?usage: make-test-pki.sh DIR}"
mkdir -p "$DIR"
cd "$DIR"
[ -f server-chain.pem ] && [ -f client1.pem ] && [ -f rogue.pem ] && exit 0
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=Test MQTT CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile server.ext 2>/dev/null
cat server.pem > server-chain.pem
openssl req -newkey rsa:2048 -nodes -keyout client1.key -out client1.csr -subj "/CN=client1" 2>/dev/null
printf "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n" > client.ext
openssl x509 -req -in client1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client1.pem -days 3650 -extfile client.ext 2>/dev/null
# A self-signed client certificate from no known CA, for refusal tests.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rogue" -keyout rogue.key -out rogue.pem \
  -addext "extendedKeyUsage=clientAuth" 2>/dev/null
chmod 0644 ./*.key
echo "$PWD"
