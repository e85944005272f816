#!/usr/bin/env bash
# Load benchmark of a real bridge process on loopback, with and without Redis (127.0.0.1:6379, own key prefix):
#   large: 8 concurrent webhooks of 200 MiB files into a bridge with -Xmx128m
#   small: 500 text webhooks per second for 60 s, at most 256 in flight
# Usage: bench/load.sh [large|small|all]   (default all). One key=value line per run on stdout; results for
# docs/benchmarks.md. Needs about 3 GiB of free disk under target/ for the large runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/ensure-tools
source bin/ensure-redis
mvn -q -B -DskipTests test-compile
classpath="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
scenarios=("${1:-all}")
[ "${scenarios[0]}" = all ] && scenarios=(large small)
for scenario in "${scenarios[@]}"; do
    for state in local redis; do
        work="target/bench-load/$scenario-$state"
        rm -rf "$work"
        java -Xmx1g -cp "$classpath" org.ecbridge.bench.LoadBenchmark "$scenario" "$state" "$work" 2>>target/bench-load.log \
            | grep '^scenario='
        rm -rf "$work"
    done
done
