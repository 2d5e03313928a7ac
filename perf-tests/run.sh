#!/usr/bin/env bash
# The whole performance harness in one command, from the repository's root or anywhere:
#
#   perf-tests/run.sh                 # the standard run (under ten minutes on two cores)
#   perf-tests/run.sh --stream-mib=2048 --stream-rate-mib=64 --sections=streaming   # the 2 GB streaming test
#   SKIP_JMH=1 perf-tests/run.sh --rounds=5 --run-ms=3000                           # longer runs, no JMH
#
# Builds the modules (no tests), runs io.custos.perf.Harness with the arguments given (see --help), then the JMH
# benchmarks of the per-statement path. Results: perf-tests/target/results/results.json (harness),
# perf-tests/target/results/jmh.json (benchmarks), the gateways' logs next to them. pgbouncer, pgbench and sysbench
# are used when installed (apt-get install -y pgbouncer postgresql-client sysbench) and reported as skipped if not.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
mvn -B -q -DskipTests package -pl perf-tests -am
classpath="perf-tests/target/perf-tests-0.1.0-SNAPSHOT.jar:$(cat perf-tests/target/classpath.txt)"
mkdir -p perf-tests/target/results

java -cp "$classpath" io.custos.perf.Harness "$@"

if [[ -z "${SKIP_JMH:-}" ]]; then
    java -cp "$classpath" org.openjdk.jmh.Main -wi 2 -w 1 -i 3 -r 1 -f 1 \
        -rf json -rff perf-tests/target/results/jmh.json 'io\.custos\..*Benchmark.*' \
        | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.|i\.c\.)'
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
