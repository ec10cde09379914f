#!/usr/bin/env bash
# bench-types.sh - side-by-side redis-benchmark runs of Shoal and redis-server
# for the workloads ../shared/bench/bench.sh does not have: bitmaps,
# HyperLogLog, geo and Lua scripts (EVALSHA of a rate limiter on random keys,
# and of a script reading ten keys). Both servers get the same preloaded data; every
# workload runs on both, alternating which goes first, and the medians over
# the rounds are compared as shoal/redis ratios with their geometric mean.
#
#   tools/bench-types.sh [--shoal BIN] [--rounds N] [--modes "pinned unpinned"]
#                        [--workloads "BITCOUNT SETBIT PFADD PFCOUNT10 GEOSEARCH EVALRL EVALREAD10"]
#                        [--pipelines "1 16"] [--clients N]
#
# pinned: servers on CPU 1, redis-benchmark on CPU 0 (as bench.sh does).
# Loopback only; every run is bounded by its request count and a timeout.
set -euo pipefail

SHOAL=""
ROUNDS=2
MODES="pinned unpinned"
WORKLOADS="BITCOUNT SETBIT PFADD PFCOUNT10 GEOSEARCH EVALRL EVALREAD10"
PIPELINES="1 16"
CLIENTS=50
while [ $# -gt 0 ]; do
  case $1 in
    --shoal) SHOAL=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --pipelines) PIPELINES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "$SHOAL" ]; then
  SHOAL=$WORK/shoal
  go build -o "$SHOAL" ./cmd/shoal
fi

# The scripts of issue 6's speed table; both servers load them at preload.
RATE_LIMITER="local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) if n > tonumber(ARGV[2]) then return 0 end return 1"
READ10="local r = {} for i = 1, #KEYS do r[i] = redis.call('GET', KEYS[i]) end return r"
sha1() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
RL_SHA=$(sha1 "$RATE_LIMITER")
READ10_SHA=$(sha1 "$READ10")

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The command line and request count (at pipeline 1; x5 when pipelined) of
# each workload.
workload() {
  case $1 in
    BITCOUNT) echo "20000|BITCOUNT bench:bits" ;;
    SETBIT) echo "200000|SETBIT bench:bits 4000000 1" ;;
    PFADD) echo "200000|-r 100000000 PFADD bench:hll __rand_int__" ;;
    PFCOUNT10) echo "50000|PFCOUNT bench:hll0 bench:hll1 bench:hll2 bench:hll3 bench:hll4 bench:hll5 bench:hll6 bench:hll7 bench:hll8 bench:hll9" ;;
    GEOSEARCH) echo "5000|GEOSEARCH bench:geo FROMLONLAT 13.4 52.5 BYRADIUS 400 km ASC" ;;
    EVALRL) echo "200000|-r 10000 EVALSHA $RL_SHA 1 rl:__rand_int__ 60000 100" ;;
    EVALREAD10) echo "100000|EVALSHA $READ10_SHA 10 k0 k1 k2 k3 k4 k5 k6 k7 k8 k9" ;;
    *) echo "unknown workload $1" >&2; exit 1 ;;
  esac
}

# The data every workload reads: a 1 MB random bitmap, ten HyperLogLogs of
# 10,000 elements, and 1M geo points spread over the globe (fixed seed).
PRELOAD=$WORK/preload.resp
python3 - "$PRELOAD" "$RATE_LIMITER" "$READ10" <<'EOF'
import random, sys
r = random.Random(42)
out = open(sys.argv[1], "wb")
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))
cmd("SET", "bench:bits", r.randbytes(1 << 20))
cmd("SCRIPT", "LOAD", sys.argv[2])
cmd("SCRIPT", "LOAD", sys.argv[3])
for i in range(10):
    cmd("SET", "k%d" % i, "value%d" % i)
for k in range(10):
    for chunk in range(10):
        cmd("PFADD", "bench:hll%d" % k, *["e%d-%d" % (k * 7919 + chunk, i) for i in range(1000)])
for chunk in range(10000):
    args = ["GEOADD", "bench:geo"]
    for i in range(100):
        args += ["%.6f" % r.uniform(-180, 180), "%.6f" % r.uniform(-85, 85), "m%d" % (chunk * 100 + i)]
    cmd(*args)
EOF

start() { # name port mode -> pid
  local pre=()
  [ "$3" = pinned ] && pre=(taskset -c 1)
  case $1 in
    redis) "${pre[@]}" redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/$1.log" 2>&1 & ;;
    shoal) "${pre[@]}" "$SHOAL" --port "$2" --bind 127.0.0.1 --save '' >"$WORK/$1.log" 2>&1 & ;;
  esac
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$2" PING >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$2" --pipe <"$PRELOAD" >/dev/null
}

RESULTS=$WORK/results
for mode in $MODES; do
  rp=$(free_port); start redis "$rp" "$mode"
  sp=$(free_port); start shoal "$sp" "$mode"
  cpre=()
  [ "$mode" = pinned ] && cpre=(taskset -c 0)
  for w in $WORKLOADS; do
    IFS='|' read -r n cmd <<<"$(workload "$w")"
    for P in $PIPELINES; do
      req=$n
      [ "$P" -gt 1 ] && req=$((n * 5))
      for round in $(seq "$ROUNDS"); do
        order="redis shoal"
        [ $((round % 2)) -eq 0 ] && order="shoal redis"
        for s in $order; do
          port=$rp
          [ $s = shoal ] && port=$sp
          # shellcheck disable=SC2086
          rps=$(timeout 300 "${cpre[@]}" redis-benchmark -p "$port" -c "$CLIENTS" -n "$req" -P "$P" --csv $cmd |
            awk -F'","' 'NR==2 {print $2}')
          echo "$mode $w $P $s ${rps:-0}" >>"$RESULTS"
        done
      done
    done
  done
  kill "${PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  PIDS=()
done

python3 - "$RESULTS" <<'EOF'
import math, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, w, p, s, rps = line.split()
    runs.setdefault((mode, w, int(p)), {}).setdefault(s, []).append(float(rps))
print("| mode | workload | P | redis ops/s | shoal ops/s | ratio |")
print("|---|---|---|---|---|---|")
ratios = {}
for (mode, w, p), r in runs.items():
    a, b = statistics.median(r["redis"]), statistics.median(r["shoal"])
    ratio = b / a if a else 0
    ratios.setdefault(mode, []).append(ratio)
    print("| %s | %s | %d | %.0f | %.0f | %.2f |" % (mode, w, p, a, b, ratio))
def geo(xs):
    return math.exp(sum(math.log(max(x, 1e-9)) for x in xs) / len(xs))
for mode, xs in ratios.items():
    print("geomean %s: %.3f" % (mode, geo(xs)))
print("geomean ratio (shoal/redis) ops/s: %.3f" % geo([x for xs in ratios.values() for x in xs]))
EOF
