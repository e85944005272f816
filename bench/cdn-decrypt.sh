#!/usr/bin/env bash
# WhatsApp CDN decryption benchmark. It encrypts a random file as WhatsApp media with openssl: AES-256-CBC with
# the keys HKDF derives from a random mediaKey, then the 10-byte HMAC-SHA256 MAC. It then times
# `openssl enc -d -aes-256-cbc` against the bridge's decryptor, which also checks MAC, SHA-256s and length. Each
# runs under /usr/bin/time -v for the maximum resident set size.
#   bench/cdn-decrypt.sh [file bytes, default 1073741824] [decryptor -Xmx, default 64m]
# Needs about four times the file size of free disk under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
bytes="${1:-1073741824}"
heap="${2:-64m}"
work=target/cdn-decrypt-bench
mkdir -p "$work"
trap 'rm -f "$work"/plain "$work"/cipher "$work"/download "$work"/openssl.out "$work"/bridge.out' EXIT

mvn -q -B -DskipTests test-compile
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
classpath="target/test-classes:target/classes:$(cat target/test-classpath.txt)"

head -c "$bytes" /dev/urandom > "$work/plain"
media_key=$(head -c 32 /dev/urandom | base64)
media_key_hex=$(printf '%s' "$media_key" | base64 -d | xxd -p -c 64)
# HKDF-SHA256 with openssl's own KDF, independent of the bridge: salt of 32 zero bytes, 112 bytes of output.
expanded=$(openssl kdf -keylen 112 -kdfopt digest:SHA256 -kdfopt hexkey:"$media_key_hex" \
    -kdfopt hexsalt:"$(printf '0%.0s' $(seq 64))" -kdfopt info:"WhatsApp Document Keys" HKDF | tr -d ':' \
    | tr 'A-F' 'a-f')
iv=${expanded:0:32}
key=${expanded:32:64}
mac_key=${expanded:96:64}
bridge_keys=$(java -cp "$classpath" org.ecbridge.bench.CdnDecryptMain --keys "$media_key" document)
if [ "$bridge_keys" != "$iv $key $mac_key" ]; then
    echo "openssl's HKDF and the bridge's key derivation differ" >&2
    exit 1
fi

openssl enc -aes-256-cbc -K "$key" -iv "$iv" -in "$work/plain" -out "$work/cipher"
mac=$( (printf '%s' "$iv" | xxd -r -p; cat "$work/cipher") | openssl dgst -sha256 -mac HMAC \
    -macopt hexkey:"$mac_key" -binary | head -c 10 | xxd -p)
(cat "$work/cipher"; printf '%s' "$mac" | xxd -r -p) > "$work/download"
file_sha256=$(openssl dgst -sha256 -binary "$work/plain" | base64)
enc_sha256=$(openssl dgst -sha256 -binary "$work/download" | base64)
plain_sha256=$(sha256sum "$work/plain" | cut -d' ' -f1)
sync

echo "== openssl enc -d -aes-256-cbc ($bytes bytes)"
/usr/bin/time -v openssl enc -d -aes-256-cbc -K "$key" -iv "$iv" -in "$work/cipher" -out "$work/openssl.out" \
    2> "$work/openssl.time"
grep -E "Elapsed|Maximum resident" "$work/openssl.time"
[ "$(sha256sum "$work/openssl.out" | cut -d' ' -f1)" = "$plain_sha256" ] || { echo "openssl output differs"; exit 1; }

echo "== bridge decryptor, -Xmx$heap ($bytes bytes, with MAC, SHA-256 and length checks)"
/usr/bin/time -v java "-Xmx$heap" -cp "$classpath" org.ecbridge.bench.CdnDecryptMain "$work/download" \
    "$work/bridge.out" "$media_key" document "$enc_sha256" "$file_sha256" "$bytes" 2> "$work/bridge.time"
grep -E "Elapsed|Maximum resident" "$work/bridge.time"
[ "$(sha256sum "$work/bridge.out" | cut -d' ' -f1)" = "$plain_sha256" ] || { echo "bridge output differs"; exit 1; }
echo "both outputs have SHA-256 $plain_sha256"
