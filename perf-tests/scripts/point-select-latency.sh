#!/usr/bin/env bash
# Added latency of a point SELECT through Custos against a direct connection, with pgbench at one client.
#
# Start the demo first (java -jar deploy/target/custos.jar demo); it prints the direct port and the superuser
# password. Then:
#   DIRECT_PORT=<port> DIRECT_PASSWORD=<password> perf-tests/scripts/point-select-latency.sh
# Rounds alternate direct, gateway unmasked (it_admin), gateway masked (contractor), so the machine's drift hits all
# three alike. Each run logs every transaction's latency; the script prints median and p99 per target, as the median
# over rounds.
set -euo pipefail

GATEWAY_PORT=${GATEWAY_PORT:-15432}
DIRECT_PORT=${DIRECT_PORT:?set DIRECT_PORT to the embedded database port the demo prints}
DIRECT_PASSWORD=${DIRECT_PASSWORD:?set DIRECT_PASSWORD to the superuser password the demo prints}
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
MODE=${MODE:-extended}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/point.sql" <<'SQL'
\set id random(1, 3000)
SELECT id, project_id, name, mobile, created_at FROM customer WHERE id = :id;
SQL

run() { # name port user password
    local name=$1 port=$2 user=$3 password=$4 round=$5
    (cd "$work" && PGPASSWORD=$password pgbench -n -M "$MODE" -c 1 -T "$SECONDS_PER_RUN" -f point.sql \
        --log --log-prefix="$name-$round" "host=127.0.0.1 port=$port dbname=custos_demo user=$user" > /dev/null 2>&1)
    # Per-transaction log: client_id transaction_no time(us) script_no time_epoch time_us
    awk '{print $3}' "$work"/"$name-$round".* | sort -n > "$work/$name-$round.sorted"
    local count median p99
    count=$(wc -l < "$work/$name-$round.sorted")
    median=$(sed -n "$(( (count + 1) / 2 ))p" "$work/$name-$round.sorted")
    p99=$(sed -n "$(( (count * 99 + 99) / 100 ))p" "$work/$name-$round.sorted")
    echo "$name $round $count $median $p99" >> "$work/results"
}

for round in $(seq 1 "$ROUNDS"); do
    run direct "$DIRECT_PORT" postgres "$DIRECT_PASSWORD" "$round"
    run custos-unmasked "$GATEWAY_PORT" it_admin custos-demo "$round"
    run custos-masked "$GATEWAY_PORT" contractor custos-demo "$round"
done

median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
printf '%-16s %10s %12s %12s\n' target tx/run "median us" "p99 us"
for name in direct custos-unmasked custos-masked; do
    tx=$(awk -v n="$name" '$1 == n {print $3}' "$work/results" | median_of)
    median=$(awk -v n="$name" '$1 == n {print $4}' "$work/results" | median_of)
    p99=$(awk -v n="$name" '$1 == n {print $5}' "$work/results" | median_of)
    printf '%-16s %10s %12s %12s\n' "$name" "$tx" "$median" "$p99"
done
echo "mode $MODE, $ROUNDS rounds of $SECONDS_PER_RUN s, one client; medians over rounds"
