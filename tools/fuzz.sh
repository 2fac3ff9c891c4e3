#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz (clang, AddressSanitizer,
# UndefinedBehaviorSanitizer) and, for each target, replays its seed
# corpus (regression) and then fuzzes it for FUZZ_SECONDS (default 30)
# starting from a scratch copy of the seeds: new inputs never land in the
# repository. Ends with one line "fuzz: N passed, N failed" (one count per
# target) and exits non-zero on any crash, leak, timeout or UB report.
#
#   tools/fuzz.sh                      every target, 30 s each
#   FUZZ_SECONDS=600 tools/fuzz.sh fuzz_json
#   FUZZ_BUILD=/tmp/build-fuzz tools/fuzz.sh
#
# A failing input is kept in $FUZZ_BUILD/fuzz-artifacts/<target>/; replay
# it with $FUZZ_BUILD/tests/fuzz/<target> <file>.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
SECS=${FUZZ_SECONDS:-30}
TARGETS=${*:-fuzz_props fuzz_json fuzz_rest_body fuzz_converters}

fail_all() {
        echo "fuzz: $1" >&2
        echo "fuzz: 0 passed, 1 failed"
        exit 1
}

command -v clang >/dev/null 2>&1 || fail_all "clang is not installed"
if [ ! -f "$BUILD/build.ninja" ]; then
        mkdir -p "$BUILD"
        # werror off: a clang-only warning elsewhere must not stop fuzzing
        CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true -Dwerror=false \
                -Db_sanitize=address,undefined -Db_lundef=false >"$BUILD/fuzz-setup.log" 2>&1 ||
                { tail -30 "$BUILD/fuzz-setup.log" >&2; fail_all "meson setup failed"; }
fi
exes=""
for t in $TARGETS; do exes="$exes tests/fuzz/$t"; done
# shellcheck disable=SC2086
ninja -C "$BUILD" $exes >"$BUILD/fuzz-build.log" 2>&1 ||
        { tail -40 "$BUILD/fuzz-build.log" >&2; fail_all "build failed"; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
# halt_on_error: UBSan findings are failures, not log lines
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
passed=0
failed=0
for t in $TARGETS; do
        exe="$BUILD/tests/fuzz/$t"
        seeds="$ROOT/tests/fuzz/corpus/$t"
        arts="$BUILD/fuzz-artifacts/$t"
        log="$BUILD/fuzz-logs/$t.log"
        mkdir -p "$WORK/$t" "$arts" "$(dirname "$log")"
        cp "$seeds"/* "$WORK/$t/"
        set -- -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$arts/" -print_final_stats=1
        [ -f "$ROOT/tests/fuzz/$t.dict" ] && set -- "$@" -dict="$ROOT/tests/fuzz/$t.dict"
        start=$(date +%s)
        if ! "$exe" "$@" -runs=0 "$seeds" >"$log" 2>&1; then
                what="seed corpus replay"
        elif ! "$exe" "$@" -max_total_time="$SECS" "$WORK/$t" >>"$log" 2>&1; then
                what="fuzzing"
        else
                what=""
        fi
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        if [ -z "$what" ]; then
                passed=$((passed + 1))
                echo "$t: ok ($((${runs:-0})) runs, $(($(date +%s) - start)) s)"
        else
                failed=$((failed + 1))
                echo "$t: FAILED during $what (log $log, inputs in $arts):"
                grep -E "ERROR|FUZZ_CHECK|runtime error|SUMMARY|Test unit written" "$log" | head -20
        fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
