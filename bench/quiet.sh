# Sourced by bench/run.sh and bench/jmh.sh: waits for other processes to leave the CPU before each timed step,
# because on a shared 2-core machine a concurrent build can double a measured time.
#   BENCH_QUIET_IDLE_PERCENT=90          CPU idle share (all cores, over 1 s) that counts as quiet
#   BENCH_QUIET_WAIT_SECONDS=180         how long one step waits for it before measuring anyway, with a warning
#   BENCH_QUIET_TOTAL_WAIT_SECONDS=600   how long all steps of a script wait together; past it, none waits

QUIET_IDLE_PERCENT=${BENCH_QUIET_IDLE_PERCENT:-90}
QUIET_WAIT_SECONDS=${BENCH_QUIET_WAIT_SECONDS:-180}
QUIET_TOTAL_WAIT_SECONDS=${BENCH_QUIET_TOTAL_WAIT_SECONDS:-600}
QUIET_WAITED_SECONDS=0

# Prints the share of CPU time, in percent, that all cores spent idle during one second.
cpu_idle_percent() {
    local label user nice system idle iowait irq softirq steal rest
    read -r label user nice system idle iowait irq softirq steal rest < /proc/stat
    local total_before=$((user + nice + system + idle + iowait + irq + softirq + steal))
    local idle_before=$((idle + iowait))
    sleep 1
    read -r label user nice system idle iowait irq softirq steal rest < /proc/stat
    local total_after=$((user + nice + system + idle + iowait + irq + softirq + steal))
    local idle_after=$((idle + iowait))
    echo $((100 * (idle_after - idle_before) / (total_after - total_before)))
}

# Waits until the CPU is quiet. When it does not get quiet in time, appends a warning naming the step ($2) to
# the log file $1.
wait_for_quiet_cpu() {
    local warnings_log=$1 step=$2
    local idle
    idle=$(cpu_idle_percent)
    if ((idle >= QUIET_IDLE_PERCENT)); then
        return 0
    fi
    local started=$SECONDS
    local budget=$((QUIET_TOTAL_WAIT_SECONDS - QUIET_WAITED_SECONDS))
    local deadline=$((SECONDS + (budget < QUIET_WAIT_SECONDS ? budget : QUIET_WAIT_SECONDS)))
    while true; do
        if ((SECONDS >= deadline)); then
            echo "   warning: $step: the CPU was only ${idle}% idle after waiting $((SECONDS - started)) s;" \
                "measured anyway" | tee -a "$warnings_log"
            break
        fi
        sleep 4
        idle=$(cpu_idle_percent)
        if ((idle >= QUIET_IDLE_PERCENT)); then
            break
        fi
    done
    QUIET_WAITED_SECONDS=$((QUIET_WAITED_SECONDS + SECONDS - started))
}
