#!/usr/bin/env bash
# Whole-process benchmark: for each file size, decodes the same webhook's base64 three ways and prints a table.
#   floor      base64 -d on the bare base64 field, which is cut out of the webhook before timing starts
#   bridge     a real bridge process: the webhook is POSTed with curl over loopback, and the time is taken until
#              the 200 response and until the Chatwoot sink (org.ecbridge.bench.ChatwootSink) has the whole file.
#              It runs in two JVM configurations: "plain" (-Xmx128m and nothing else) and "launcher" (the JVM
#              options and MALLOC_ARENA_MAX that bin/bridge starts the bridge with)
#   in-memory  a JVM that reads the body into a String, builds a Jackson tree and Base64-decodes the field,
#              run with the smallest -Xmx of a search (see find_in_memory_heap)
#
# Usage: bench/run.sh            sizes 10, 200 and 1024 MiB
# Environment:
#   BENCH_SIZES_MIB="10 200"     file sizes in MiB
#   BENCH_REPEATS=3              timed runs of each approach per size; the table shows their median and range
#   BENCH_BRIDGE_HEAP=128m       -Xmx of the plain configuration
#   BENCH_BRIDGE_JAVA_OPTS=...   run the bridge in this one configuration ("custom") instead of the two above
#   BENCH_SKIP_IN_MEMORY=1       leave out the in-memory program, whose heap search takes most of the time
#   BENCH_NMT_REPORT=file        write the bridge's native memory summary (jcmd VM.native_memory) there after
#                                each bridge run
#   BENCH_WEBHOOK_PORT=18080     webhook port of the bridge on 127.0.0.1 (default: a free port)
#   BENCH_SKIP_BUILD=1           use the existing target/ instead of running mvn package
#   BENCH_RESULTS_DIR=dir        where logs and the table go (default target/bench-results/run-<time>)
#   BENCH_QUIET_IDLE_PERCENT, BENCH_QUIET_WAIT_SECONDS, BENCH_QUIET_TOTAL_WAIT_SECONDS: see bench/quiet.sh.
#                                Every timed step first waits for an idle CPU, and the steps that ran without
#                                one are listed after the table.
# Needs: java 17, mvn, curl, GNU time at /usr/bin/time, GNU coreutils. Generated data goes under
# target/bench-work/run and is deleted at the end; about 4.5 GB of free disk are needed for the 1024 MiB case.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/quiet.sh
source "$ROOT/bench/quiet.sh"

SIZES_MIB=${BENCH_SIZES_MIB:-"10 200 1024"}
REPEATS=${BENCH_REPEATS:-3}
BRIDGE_HEAP=${BENCH_BRIDGE_HEAP:-128m}
WORK_DIR=$ROOT/target/bench-work/run
RESULTS_DIR=${BENCH_RESULTS_DIR:-$ROOT/target/bench-results/run-$(date -u +%Y%m%dT%H%M%SZ)}
WARMUP_WEBHOOK=$ROOT/src/test/resources/fixtures/evolution/messages-upsert-document-base64.json
# Multiples of the body size, in tenths, tried as -Xmx of the in-memory program until one succeeds.
IN_MEMORY_HEAP_TENTHS=(40 50 60 70 80 100 120 160)

main() {
    check_tools
    build
    TEST_CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")"
    BRIDGE_CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"
    define_bridge_configs
    rm -rf "$WORK_DIR"
    mkdir -p "$WORK_DIR" "$RESULTS_DIR"
    trap keep_logs_and_clean_up EXIT
    describe_machine | tee "$RESULTS_DIR/machine.txt"
    : > "$RESULTS_DIR/results.tsv"
    for size_mib in $SIZES_MIB; do
        run_size "$size_mib"
    done
    print_table | tee "$RESULTS_DIR/table.md"
    if [[ -s $RESULTS_DIR/warnings.log ]]; then
        echo "$(wc -l < "$RESULTS_DIR/warnings.log") timed steps ran on a busy CPU; see $RESULTS_DIR/warnings.log"
    fi
    echo "Logs and the table are in $RESULTS_DIR"
}

check_tools() {
    local tool
    for tool in java curl base64 /usr/bin/time; do
        if ! command -v "$tool" > /dev/null; then
            echo "bench/run.sh: $tool is missing; install it (GNU time is the Debian package 'time')" >&2
            exit 1
        fi
    done
}

build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        return
    fi
    echo "Building with mvn -q -B -DskipTests package ..."
    mvn -q -B -DskipTests package
}

# Copies the bridge logs of a failed run into the results, then deletes the generated data.
keep_logs_and_clean_up() {
    cp "$WORK_DIR"/bridge-*.log "$RESULTS_DIR"/ 2> /dev/null || true
    rm -rf "$WORK_DIR"
}

# Sets BRIDGE_CONFIG_LABELS, BRIDGE_CONFIG_OPTIONS and BRIDGE_CONFIG_ARENAS (MALLOC_ARENA_MAX, or empty to leave it
# unset), one entry per bridge JVM configuration.
define_bridge_configs() {
    if [[ -n ${BENCH_BRIDGE_JAVA_OPTS:-} ]]; then
        BRIDGE_CONFIG_LABELS=(custom)
        BRIDGE_CONFIG_OPTIONS=("$BENCH_BRIDGE_JAVA_OPTS")
        BRIDGE_CONFIG_ARENAS=("${MALLOC_ARENA_MAX:-}")
        return
    fi
    local launcher_options launcher_arenas
    launcher_options=$(launcher_java_options)
    launcher_arenas=$(launcher_malloc_arenas)
    BRIDGE_CONFIG_LABELS=(plain launcher)
    BRIDGE_CONFIG_OPTIONS=("-Xmx$BRIDGE_HEAP" "$launcher_options")
    BRIDGE_CONFIG_ARENAS=("" "$launcher_arenas")
}

# Prints the JVM options of bin/bridge: its DEFAULT_JAVA_OPTS="...", which may continue over lines ending in \.
launcher_java_options() {
    local options
    options=$(sed -n '/^DEFAULT_JAVA_OPTS="/,/"$/p' "$ROOT/bin/bridge" | tr -d '\\\n' \
        | sed 's/^DEFAULT_JAVA_OPTS="//; s/"$//')
    if [[ -z $options ]]; then
        echo "bench/run.sh: found no DEFAULT_JAVA_OPTS=\"...\" in bin/bridge; set BENCH_BRIDGE_JAVA_OPTS" >&2
        exit 1
    fi
    echo "$options"
}

# Prints the MALLOC_ARENA_MAX default of bin/bridge, or nothing when it sets none.
launcher_malloc_arenas() {
    grep -o 'MALLOC_ARENA_MAX:-[0-9]*' "$ROOT/bin/bridge" | head -n 1 | cut -d- -f2 || true
}

describe_machine() {
    echo "cores (nproc): $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory (free -h):"
    free -h
    echo "kernel: $(uname -r)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "$(base64 --version | head -1)"
    local i
    for i in "${!BRIDGE_CONFIG_LABELS[@]}"; do
        echo "bridge ${BRIDGE_CONFIG_LABELS[$i]}: ${BRIDGE_CONFIG_OPTIONS[$i]}"
        if [[ -n ${BRIDGE_CONFIG_ARENAS[$i]} ]]; then
            echo "  with MALLOC_ARENA_MAX=${BRIDGE_CONFIG_ARENAS[$i]}"
        fi
    done
    echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Runs one size: generates the webhook and cuts out its base64 field, then times the floor and the bridge
# REPEATS times each, alternating, and the in-memory program (the search's run plus REPEATS - 1 more).
run_size() {
    local size_mib=$1
    local webhook=$WORK_DIR/webhook-${size_mib}MiB.json field=$WORK_DIR/field.b64
    echo "== ${size_mib} MiB: generating $webhook"
    java -cp "$TEST_CP" org.ecbridge.bench.WebhookFixture $((size_mib << 20)) "$webhook" \
        > "$RESULTS_DIR/facts-$size_mib.txt"
    MEDIA_SHA256=$(fact mediaSha256Hex "$size_mib")
    BASE64_BYTES=$(fact base64LengthBytes "$size_mib")
    BODY_BYTES=$(fact fileSizeBytes "$size_mib")
    tail -c +$(($(fact base64OffsetBytes "$size_mib") + 1)) "$webhook" | head -c "$BASE64_BYTES" > "$field"

    local repeat config
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        run_floor "$size_mib" "$field" "$repeat"
        for config in "${!BRIDGE_CONFIG_LABELS[@]}"; do
            run_bridge "$size_mib" "$webhook" "$repeat" "$config"
        done
    done
    rm -f "$field"
    if [[ ${BENCH_SKIP_IN_MEMORY:-0} != 1 ]]; then
        run_in_memory "$size_mib" "$webhook"
    fi
    rm -f "$webhook" "$webhook.facts"
}

fact() {
    grep "^$1=" "$RESULTS_DIR/facts-$2.txt" | cut -d= -f2
}

run_floor() {
    local size_mib=$1 field=$2 repeat=$3
    local output=$WORK_DIR/floor.bin log=$RESULTS_DIR/floor-$size_mib-$repeat.time
    sync
    wait_for_quiet_cpu "$RESULTS_DIR/warnings.log" "${size_mib} MiB base64 -d, run $repeat"
    /usr/bin/time -v -o "$log" base64 -d "$field" > "$output"
    echo "   base64 -d, run $repeat: $(wall_millis "$log") ms"
    record "$size_mib" floor "$repeat" "$(wall_millis "$log")" "$(max_rss_kib "$log")" "-" "$(verify_sha "$output")"
    rm -f "$output"
}

run_bridge() {
    local size_mib=$1 webhook=$2 repeat=$3 config=$4
    local label=${BRIDGE_CONFIG_LABELS[$config]} options=${BRIDGE_CONFIG_OPTIONS[$config]}
    local arenas=${BRIDGE_CONFIG_ARENAS[$config]}
    local out=$RESULTS_DIR/bridge-$label-$size_mib-$repeat.txt
    local environment=(-u MALLOC_ARENA_MAX)
    if [[ -n $arenas ]]; then
        environment=("MALLOC_ARENA_MAX=$arenas")
    fi
    sync
    wait_for_quiet_cpu "$RESULTS_DIR/warnings.log" "${size_mib} MiB bridge $label, run $repeat"
    env "${environment[@]}" java -cp "$TEST_CP" org.ecbridge.bench.BridgeProcessBenchmark "$webhook" \
        "$WARMUP_WEBHOOK" "$WORK_DIR" "$options" "$BRIDGE_CP" > "$out"
    mv "$WORK_DIR/bridge-$((size_mib << 20)).log" "$RESULTS_DIR/bridge-$label-$size_mib-$repeat.log"
    echo "   bridge $label, run $repeat: 200 after $(field_of respondedMillis "$out") ms, file at the sink" \
        "after $(field_of deliveredMillis "$out") ms, VmHWM $(field_of bridgeVmHwmKiB "$out") KiB"
    local sha=mismatch
    if [[ $(field_of sha256Matches "$out") == true ]]; then
        sha=match
    fi
    record "$size_mib" "bridge-$label-responded" "$repeat" "$(field_of respondedMillis "$out")" "-" "$label" "-"
    record "$size_mib" "bridge-$label-delivered" "$repeat" "$(field_of deliveredMillis "$out")" \
        "$(field_of bridgeVmHwmKiB "$out")" "$label" "$sha"
}

field_of() {
    tr ' ' '\n' < "$2" | grep "^$1=" | cut -d= -f2
}

run_in_memory() {
    local size_mib=$1 webhook=$2
    echo "== ${size_mib} MiB: in-memory Java, searching for the smallest -Xmx that works"
    find_in_memory_heap "$size_mib" "$webhook"
    local heap="-Xmx${IN_MEMORY_OK_MIB}m (${IN_MEMORY_FAILED_MIB}m failed)"
    record_in_memory "$size_mib" 1 "$RESULTS_DIR/in-memory-$size_mib-${IN_MEMORY_OK_MIB}m" "$heap"
    local repeat
    for ((repeat = 2; repeat <= REPEATS; repeat++)); do
        local run=$RESULTS_DIR/in-memory-$size_mib-${IN_MEMORY_OK_MIB}m-run$repeat
        if ! try_in_memory "$webhook" "$IN_MEMORY_OK_MIB" "$run"; then
            echo "bench/run.sh: the in-memory program failed with -Xmx${IN_MEMORY_OK_MIB}m, which worked" \
                "before; see $run.out" >&2
            exit 1
        fi
        record_in_memory "$size_mib" "$repeat" "$run" "$heap"
    done
}

# Records an in-memory run twice: the whole process, and the program's own time from reading the body to the
# written file, which leaves out the JVM's start.
record_in_memory() {
    local size_mib=$1 repeat=$2 run=$3 heap=$4
    record "$size_mib" in-memory "$repeat" "$(wall_millis "$run.time")" "$(max_rss_kib "$run.time")" "$heap" \
        "$IN_MEMORY_SHA"
    record "$size_mib" in-memory-decode "$repeat" "$(field_of decodeMillis "$run.out")" "-" "$heap" "-"
}

# Sets IN_MEMORY_OK_MIB to the smallest -Xmx (MiB) that decoded the file and IN_MEMORY_FAILED_MIB to the largest
# that failed: first the multiples of the body size in IN_MEMORY_HEAP_TENTHS, then two bisection steps.
find_in_memory_heap() {
    local size_mib=$1 webhook=$2
    local body_mib=$(((BODY_BYTES + (1 << 20) - 1) >> 20))
    IN_MEMORY_OK_MIB=""
    IN_MEMORY_FAILED_MIB=0
    local tenths heap_mib
    for tenths in "${IN_MEMORY_HEAP_TENTHS[@]}"; do
        heap_mib=$(round_heap_mib $((body_mib * tenths / 10)))
        if try_in_memory "$webhook" "$heap_mib" "$RESULTS_DIR/in-memory-$size_mib-${heap_mib}m"; then
            IN_MEMORY_OK_MIB=$heap_mib
            break
        fi
        IN_MEMORY_FAILED_MIB=$heap_mib
    done
    if [[ -z $IN_MEMORY_OK_MIB ]]; then
        echo "bench/run.sh: the in-memory program failed even with -Xmx${heap_mib}m; see $RESULTS_DIR" >&2
        exit 1
    fi
    local step
    for step in 1 2; do
        heap_mib=$(round_heap_mib $(((IN_MEMORY_FAILED_MIB + IN_MEMORY_OK_MIB) / 2)))
        if ((heap_mib <= IN_MEMORY_FAILED_MIB || heap_mib >= IN_MEMORY_OK_MIB)); then
            break
        fi
        if try_in_memory "$webhook" "$heap_mib" "$RESULTS_DIR/in-memory-$size_mib-${heap_mib}m"; then
            IN_MEMORY_OK_MIB=$heap_mib
        else
            IN_MEMORY_FAILED_MIB=$heap_mib
        fi
    done
}

# Rounds a heap size up to a multiple of 16 MiB, and to at least 32 MiB.
round_heap_mib() {
    local mib=$(((($1 + 15) / 16) * 16))
    echo $((mib < 32 ? 32 : mib))
}

# Runs the in-memory program once with -Xmx<heap>m, writing <run>.time and <run>.out; on success checks the
# output and sets IN_MEMORY_SHA.
try_in_memory() {
    local webhook=$1 heap_mib=$2 run=$3
    local output=$WORK_DIR/in-memory.bin
    sync
    wait_for_quiet_cpu "$RESULTS_DIR/warnings.log" "in-memory $(basename "$run")"
    if /usr/bin/time -v -o "$run.time" java "-Xmx${heap_mib}m" -cp "$TEST_CP" \
        org.ecbridge.bench.InMemoryWebhookDecoder "$webhook" "$output" > "$run.out" 2>&1; then
        echo "   -Xmx${heap_mib}m: decoded in $(wall_millis "$run.time") ms"
        IN_MEMORY_SHA=$(verify_sha "$output")
        rm -f "$output"
        return 0
    fi
    echo "   -Xmx${heap_mib}m: failed ($(grep -m1 -o 'OutOfMemoryError.*' "$run.out" \
        || echo "exit status $(exit_status "$run.time")"))"
    rm -f "$output"
    return 1
}

verify_sha() {
    if [[ $(java -cp "$TEST_CP" org.ecbridge.bench.FileSha256 "$1") == "$MEDIA_SHA256" ]]; then
        echo match
    else
        echo mismatch
    fi
}

# Converts GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" to milliseconds.
wall_millis() {
    grep 'Elapsed (wall clock)' "$1" | awk '{print $NF}' | awk -F: '{
        seconds = 0
        for (i = 1; i <= NF; i++) seconds = seconds * 60 + $i
        printf "%d\n", seconds * 1000 + 0.5
    }'
}

max_rss_kib() {
    grep 'Maximum resident set size' "$1" | awk '{print $NF}'
}

exit_status() {
    grep 'Exit status' "$1" | awk '{print $NF}'
}

# Appends one result: size, approach, run number, wall time in ms, peak RSS in KiB, heap, SHA-256 check.
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS_DIR/results.tsv"
}

# Prints the median of the wall times of one size and approach.
median_millis() {
    awk -F'\t' -v s="$1" -v a="$2" '$1 == s && $2 == a {print $4}' "$RESULTS_DIR/results.tsv" | sort -n \
        | awk '{v[NR] = $1} END {print (NR % 2 == 1) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

print_table() {
    echo
    echo "Median of $REPEATS runs, with the fastest and slowest in brackets. MB = 10^6 bytes. Throughput is"
    echo "base64 input bytes over the median wall time; 'vs floor' divides it by base64 -d's for the same size."
    echo "Peak RSS is the largest of the runs. Bridge JVM configurations:"
    local i arenas_note
    for i in "${!BRIDGE_CONFIG_LABELS[@]}"; do
        arenas_note=""
        if [[ -n ${BRIDGE_CONFIG_ARENAS[$i]} ]]; then
            arenas_note=" with MALLOC_ARENA_MAX=${BRIDGE_CONFIG_ARENAS[$i]}"
        fi
        echo "- ${BRIDGE_CONFIG_LABELS[$i]}: \`${BRIDGE_CONFIG_OPTIONS[$i]}\`$arenas_note"
    done
    echo
    echo "| file | approach | wall time (ms) | MB/s of base64 | vs floor | peak RSS (MB) | JVM | SHA-256 |"
    echo "|---|---|---:|---:|---:|---:|---|---|"
    local size_mib label
    for size_mib in $SIZES_MIB; do
        local floor_millis
        floor_millis=$(median_millis "$size_mib" floor)
        print_row "$size_mib" floor "base64 -d (floor)" "$floor_millis"
        for label in "${BRIDGE_CONFIG_LABELS[@]}"; do
            print_row "$size_mib" "bridge-$label-responded" "bridge ($label), until the 200 response" "$floor_millis"
            print_row "$size_mib" "bridge-$label-delivered" "bridge ($label), until the sink has the file" \
                "$floor_millis"
        done
        print_row "$size_mib" in-memory "in-memory Java (String + tree + decode), whole process" "$floor_millis"
        print_row "$size_mib" in-memory-decode "in-memory Java, without JVM start-up" "$floor_millis"
    done
}

# Prints the table row of one size and approach, or nothing when that approach did not run.
print_row() {
    local size_mib=$1 approach=$2 label=$3 floor_millis=$4
    if ! grep -q "^$size_mib"$'\t'"$approach"$'\t' "$RESULTS_DIR/results.tsv"; then
        return
    fi
    awk -F'\t' -v s="$size_mib" -v a="$approach" -v label="$label" -v m="$(median_millis "$size_mib" "$approach")" \
        -v f="$floor_millis" -v b="$(fact base64LengthBytes "$size_mib")" '
        BEGIN { fastest = -1; rss = "-"; checks = "" }
        $1 == s && $2 == a {
            if (fastest < 0 || $4 < fastest) fastest = $4
            if ($4 > slowest) slowest = $4
            if ($5 != "-" && (rss == "-" || $5 > rss)) rss = $5
            jvm = $6
            if ($7 != "-" && index(checks, $7) == 0) checks = checks (checks == "" ? "" : ", ") $7
        }
        END {
            rate = b / 1e6 / ((m < 1 ? 1 : m) / 1000)
            floor_rate = b / 1e6 / ((f < 1 ? 1 : f) / 1000)
            printf "| %d MiB | %s | %d [%d-%d] | %.0f | %.0f%% | %s | %s | %s |\n", s, label, m, fastest, slowest,
                rate, 100 * rate / floor_rate, rss == "-" ? "-" : sprintf("%.0f", rss * 1024 / 1e6), jvm,
                checks == "" ? "-" : checks
        }' "$RESULTS_DIR/results.tsv"
}

main "$@"
