#!/usr/bin/env bash
# S3 path benchmark: a file over Chatwoot's attachment limit goes through a bridge JVM with a small heap into an
# S3Proxy bucket by multipart upload (camel-aws2-s3), and its link is posted to a Chatwoot stand-in.
#   bench/s3.sh [file bytes, default 1073741824] [bridge JVM options, default "-Xmx128m"]
# Needs about three times the file size of free disk under target/ (spool, staging and the bucket).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests test-compile
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    org.ecbridge.bench.S3LinkBenchmark "${1:-1073741824}" "${2:--Xmx128m}"
