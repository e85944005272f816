#!/usr/bin/env bash
# Runs the JMH benchmark Base64FieldDecoderBenchmark, which decodes a webhook JSON file's base64 field into a file
# two ways: with the bridge's EvolutionWebhookParser (streaming) and in memory (String, Jackson tree, Base64
# decoder). Each variant and size gets a forked JVM of its own. The table is in MB/s (10^6 bytes per second) of
# base64 input.
#
# Usage: bench/jmh.sh [quick|full]    quick: 10 and 200 MiB; full: 10, 200 and 1024 MiB
# Environment:
#   BENCH_SKIP_BUILD=1           use the existing target/ instead of running mvn package
#   BENCH_RESULTS_DIR=dir        where the JMH logs, JSON results and the table go
#                                (default target/bench-results/jmh-<time>)
#   BENCH_JMH_ARGS="..."         extra arguments for org.openjdk.jmh.Main, such as "-i 10"
#   BENCH_QUIET_IDLE_PERCENT, BENCH_QUIET_WAIT_SECONDS, BENCH_QUIET_TOTAL_WAIT_SECONDS: see bench/quiet.sh; each
#                                fork first waits for an idle CPU
# The streaming variant runs with -Xmx64m at every size; the in-memory one gets in_memory_heap below.
# Generated webhook files go under target/bench-work/jmh and are deleted at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/quiet.sh
source "$ROOT/bench/quiet.sh"

MODE=${1:-quick}
case $MODE in
    quick) SIZES_MIB="10 200" ;;
    full) SIZES_MIB="10 200 1024" ;;
    *)
        echo "usage: bench/jmh.sh [quick|full]" >&2
        exit 2
        ;;
esac
STREAMING_HEAP=64m
WORK_DIR=$ROOT/target/bench-work/jmh
RESULTS_DIR=${BENCH_RESULTS_DIR:-$ROOT/target/bench-results/jmh-$(date -u +%Y%m%dT%H%M%SZ)}

# -Xmx for the in-memory fork: 8 times the webhook body (about 4/3 of the file), which bench/run.sh's search
# finds to be enough with room to spare, and at least 256 MiB for JMH itself.
in_memory_heap() {
    local body_mib=$(($1 * 4 / 3 + 1))
    local heap_mib=$((body_mib * 8))
    echo "$((heap_mib < 256 ? 256 : heap_mib))m"
}

run_benchmark() {
    local method=$1 size_mib=$2 heap=$3
    echo "== $method, ${size_mib} MiB, -Xmx$heap"
    wait_for_quiet_cpu "$RESULTS_DIR/warnings.log" "$method ${size_mib} MiB"
    # shellcheck disable=SC2086 # BENCH_JMH_ARGS is a list of arguments.
    java -cp "$TEST_CP" org.openjdk.jmh.Main "Base64FieldDecoderBenchmark\\.$method\$" \
        -p mediaMebibytes="$size_mib" -jvmArgsAppend "-Xmx$heap -Dbench.workDir=$WORK_DIR" -prof gc \
        -rf json -rff "$RESULTS_DIR/jmh-$method-$size_mib.json" ${BENCH_JMH_ARGS:-} \
        > "$RESULTS_DIR/jmh-$method-$size_mib.log"
    grep -E '^Base64FieldDecoderBenchmark' "$RESULTS_DIR/jmh-$method-$size_mib.log"
}

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    echo "Building with mvn -q -B -DskipTests package ..."
    mvn -q -B -DskipTests package
fi
TEST_CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")"
mkdir -p "$WORK_DIR" "$RESULTS_DIR"
trap 'rm -rf "$WORK_DIR"' EXIT

{
    echo "cores (nproc): $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    free -h
    java -version 2>&1 | head -1
} | tee "$RESULTS_DIR/machine.txt"

for size_mib in $SIZES_MIB; do
    run_benchmark streamingParser "$size_mib" "$STREAMING_HEAP"
    run_benchmark inMemoryTree "$size_mib" "$(in_memory_heap "$size_mib")"
    rm -f "$WORK_DIR"/webhook-"$size_mib"MiB.json*
done

java -cp "$TEST_CP" org.ecbridge.bench.JmhResultTable "$RESULTS_DIR"/jmh-*.json | tee "$RESULTS_DIR/table.md"
if [[ -s $RESULTS_DIR/warnings.log ]]; then
    echo "$(wc -l < "$RESULTS_DIR/warnings.log") forks started on a busy CPU; see $RESULTS_DIR/warnings.log"
fi
echo "JMH logs, JSON results and the table are in $RESULTS_DIR"
