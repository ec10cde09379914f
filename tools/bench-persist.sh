#!/usr/bin/env bash
# bench-persist.sh - Shoal and redis-server side by side on persistence:
#   SAVE   time to SAVE N keys (DEBUG POPULATE N), median of the rounds
#   LOAD   the time each server logs for loading that dump.rdb at start-up
#   BGSAVE SET p99 latency of a redis-benchmark write load while BGSAVE runs
#          back to back, against the same load without saves, and the peak
#          RSS growth during the saves as a share of the dataset's RSS
#   AOF    SET and INCR throughput with appendonly yes, appendfsync everysec
# Rounds alternate which server goes first; ratios are shoal/redis (times:
# lower is better, throughput: higher is better).
#
#   tools/bench-persist.sh [--shoal BIN] [--keys N] [--rounds N] [--parts "SAVE LOAD BGSAVE AOF"]
#
# Loopback only; every server runs in a scratch directory and is stopped by
# pid; every load is bounded by its request count.
set -euo pipefail

SHOAL=""
KEYS=1000000
ROUNDS=3
PARTS="SAVE LOAD BGSAVE AOF"
while [ $# -gt 0 ]; do
  case $1 in
    --shoal) SHOAL=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --parts) PARTS=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "$SHOAL" ]; then
  SHOAL=$WORK/shoal
  go build -o "$SHOAL" ./cmd/shoal
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# start NAME DIR [args...]: starts a server in DIR, sets PORT and PID.
start() {
  local name=$1 dir=$2; shift 2
  PORT=$(free_port)
  mkdir -p "$dir"
  if [ "$name" = shoal ]; then
    "$SHOAL" --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' --enable-debug-command yes "$@" >"$dir/log" 2>&1 &
  else
    redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' --enable-debug-command yes "$@" >"$dir/log" 2>&1 &
  fi
  PID=$!
  PIDS+=("$PID")
  if [ -n "${POLL:-}" ]; then
    wait_pong "$PORT" "$POLL"
  else
    until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.01; done
  fi
}

# wait_pong PORT SECONDS: one process that asks PING every SECONDS until
# the answer is PONG (not LOADING), so the waiting costs the servers no
# CPU: a redis-cli and a sleep spawned per poll took CPU from a loader
# that uses both cores, and none from one that uses a single core.
wait_pong() {
  python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, every = int(sys.argv[1]), float(sys.argv[2])
for _ in range(int(600 / every)):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(64).startswith(b"+PONG"):
                sys.exit(0)
    except OSError:
        pass
    time.sleep(every)
sys.exit(1)
PY
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

order() { if [ $(($1 % 2)) -eq 0 ]; then echo "shoal redis"; else echo "redis shoal"; fi; }

declare -A SAVE_MS LOAD_MS
for s in shoal redis; do
  start $s "$WORK/$s"
  redis-cli -p "$PORT" debug populate "$KEYS" >/dev/null
  redis-cli -p "$PORT" save >/dev/null # the file LOAD uses
  stop
done

if [[ " $PARTS " == *" SAVE "* ]]; then
  for s in shoal redis; do start $s "$WORK/$s"; eval "PORT_$s=$PORT PID_$s=$PID"; done
  for r in $(seq "$ROUNDS"); do
    for s in $(order "$r"); do
      port=$(eval echo "\$PORT_$s")
      t0=$(now_ms); redis-cli -p "$port" save >/dev/null; t1=$(now_ms)
      SAVE_MS[$s]+="$((t1 - t0)) "
    done
  done
  for s in shoal redis; do PID=$(eval echo "\$PID_$s"); stop; done
  sh=$(echo ${SAVE_MS[shoal]} | tr ' ' '\n' | median); rd=$(echo ${SAVE_MS[redis]} | tr ' ' '\n' | median)
  echo "SAVE $KEYS keys: shoal ${sh} ms, redis ${rd} ms, ratio $(ratio "$sh" "$rd") (time, lower is better)"
fi

# Load time as each server logs it ("DB loaded from disk: N seconds"),
# waited for by one process polling every 100 ms (wait_pong).
if [[ " $PARTS " == *" LOAD "* ]]; then
  for r in $(seq "$ROUNDS"); do
    for s in $(order "$r"); do
      POLL=0.1 start $s "$WORK/$s"; stop
      ms=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$WORK/$s/log" | awk '{printf "%d", $5 * 1000}')
      LOAD_MS[$s]+="$ms "
    done
  done
  sh=$(echo ${LOAD_MS[shoal]} | tr ' ' '\n' | median); rd=$(echo ${LOAD_MS[redis]} | tr ' ' '\n' | median)
  echo "LOAD $KEYS keys: shoal ${sh} ms, redis ${rd} ms, ratio $(ratio "$sh" "$rd") (time, lower is better)"
fi

# p99 of SET with 50 clients over the populated keyspace, once with BGSAVE
# asked for every 50 ms (one starts as soon as the last ended) and once with
# PING asked for instead, so both runs carry the same side traffic: one
# redis-cli fed from a pipe, and one python sampler of the peak RSS.
setload() {
  redis-benchmark -p "$1" -t set -n 300000 -r "$KEYS" -c 50 -d 16 --csv 2>/dev/null |
    awk -F, '/"SET"/ {gsub(/"/,""); print $7}'
}
sample_rss() {
  exec python3 -c '
import sys, time
pid = sys.argv[1]; peak = 0
try:
    while True:
        for l in open("/proc/%s/status" % pid):
            if l.startswith("VmRSS"):
                peak = max(peak, int(l.split()[1]))
        sys.stdout.write("%d\n" % peak); sys.stdout.flush()
        time.sleep(0.01)
except Exception:
    pass' "$1"
}
side_load() { # side_load PORT CMD: CMD every 50 ms through one redis-cli, until $WORK/side goes
  touch "$WORK/side"
  ( while [ -e "$WORK/side" ]; do echo "$2"; sleep 0.05; done ) | redis-cli -p "$1" >/dev/null 2>&1
}
side_stop() { rm -f "$WORK/side"; wait "$1" 2>/dev/null || true; }
if [[ " $PARTS " == *" BGSAVE "* ]]; then
  for s in shoal redis; do
    p99s=""; p99b=""; grow=""
    for r in $(seq "$ROUNDS"); do
      start $s "$WORK/$s"
      base=$(rss_kb "$PID")
      side_load "$PORT" PING & side=$!
      p99s+="$(setload "$PORT") "
      side_stop $side
      before=$(rss_kb "$PID")
      sample_rss "$PID" >"$WORK/rss.$s" & sampler=$!
      side_load "$PORT" BGSAVE & side=$!
      p99b+="$(setload "$PORT") "
      side_stop $side
      kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
      peak=$(tail -1 "$WORK/rss.$s")
      grow+="$(awk -v p="$peak" -v b="$before" -v d="$base" 'BEGIN { printf "%.0f", (p - b) * 100 / d }') "
      saves=$(redis-cli -p "$PORT" info persistence | awk -F: '/rdb_saves/ {print $2+0}')
      stop
    done
    a=$(echo $p99s | tr ' ' '\n' | median); b=$(echo $p99b | tr ' ' '\n' | median); g=$(echo $grow | tr ' ' '\n' | median)
    echo "BGSAVE $s: SET p99 ${a} ms without saves, ${b} ms during back-to-back saves (x$(ratio "$b" "$a"), $saves saves in the last run), peak RSS growth ${g}% of the loaded dataset's RSS"
  done
fi

# Throughput of SET+INCR with the AOF (everysec) and without, pinned (the
# server on CPU 1, redis-benchmark on CPU 0, as ../shared/bench/bench.sh)
# and unpinned, at pipeline depths 1 and 16.
if [[ " $PARTS " == *" AOF "* ]]; then
  for mode in pinned unpinned; do
    for pl in 1 16; do
      for aof in yes no; do
        declare -A AOF_RPS=()
        for r in $(seq "$ROUNDS"); do
          for s in $(order "$r"); do
            rm -rf "$WORK/aof-$s"
            if [ $mode = pinned ]; then PIN_S="taskset -c 1"; PIN_C="taskset -c 0"; else PIN_S=""; PIN_C=""; fi
            PORT=$(free_port); mkdir -p "$WORK/aof-$s"
            if [ $s = shoal ]; then BIN=$SHOAL; else BIN=redis-server; fi
            $PIN_S "$BIN" --port "$PORT" --bind 127.0.0.1 --dir "$WORK/aof-$s" --save '' --appendonly $aof --appendfsync everysec >"$WORK/aof-$s/log" 2>&1 &
            PID=$!; PIDS+=("$PID")
            until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.01; done
            n=200000; [ "$pl" -gt 1 ] && n=1000000
            rps=$($PIN_C redis-benchmark -p "$PORT" -t set,incr -n $n -r 100000 -c 50 -P "$pl" --csv 2>/dev/null |
              awk -F, 'NR>1 {gsub(/"/,""); s+=$2; n++} END {printf "%.0f", s/n}')
            AOF_RPS[$s]+="$rps "
            stop
          done
        done
        sh=$(echo ${AOF_RPS[shoal]} | tr ' ' '\n' | median); rd=$(echo ${AOF_RPS[redis]} | tr ' ' '\n' | median)
        echo "SET+INCR appendonly=$aof $mode P$pl: shoal ${sh} ops/s, redis ${rd} ops/s, ratio $(ratio "$sh" "$rd")"
      done
    done
  done
fi
