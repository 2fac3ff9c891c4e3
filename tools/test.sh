#!/bin/sh
# Installs, builds and runs every test:
#   1. the C unit tests (meson) and the black-box tests (pytest against the
#      real sluice binary and a mock-broker process) on the normal build;
#   2. the same unit tests and black-box tests ($SANITIZE_TESTS) on an
#      AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan):
#      any report fails the test that caused it;
#   3. the libFuzzer targets for $FUZZ_SECONDS each (tools/fuzz.sh).
# Ends with one line "total: N passed, N failed". Arguments go to the
# first pytest run. SKIP_SANITIZE=1 / SKIP_FUZZ=1 leave stages 2 / 3 out.
set -u
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1
tools/build.sh || exit 1

: "${SANITIZE_TESTS:=tests/blackbox}"
: "${FUZZ_SECONDS:=30}"
export FUZZ_SECONDS

passed=0
failed=0
summary=""

# count <label> <passed> <failed>
count() {
        passed=$((passed + $2))
        failed=$((failed + $3))
        summary="$summary$1: $2 passed, $3 failed; "
}

# unit <build dir> <label>: meson's unit suite
unit() {
        meson test -C "$1" --print-errorlogs --suite unit > "$1/unit-tests.log" 2>&1
        rc=$?
        cat "$1/unit-tests.log"
        ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1/unit-tests.log" | tail -1)
        bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$1/unit-tests.log" | tail -1)
        to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$1/unit-tests.log" | tail -1)
        ok=${ok:-0}; bad=$(( ${bad:-0} + ${to:-0} ))
        [ $rc -ne 0 ] && [ $bad -eq 0 ] && bad=1
        count "$2" "$ok" "$bad"
}

# blackbox <build dir> <label> [pytest args...]
# /usr/bin/python3: Debian's, which has confluent_kafka (a pyenv one may not)
blackbox() {
        dir=$1; label=$2; shift 2
        SLUICE_BUILD="$PWD/$dir" /usr/bin/python3 -m pytest -v -p no:cacheprovider \
          "$@" 2>&1 | tee "$dir/blackbox-tests.log"
        last=$(tail -1 "$dir/blackbox-tests.log")
        ok=$(echo "$last" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
        bad=$(echo "$last" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
        err=$(echo "$last" | sed -n 's/.* \([0-9][0-9]*\) error.*/\1/p')
        ok=${ok:-0}; bad=$(( ${bad:-0} + ${err:-0} ))
        [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ] && bad=1  # no test ran is a failure
        count "$label" "$ok" "$bad"
}

unit build unit
blackbox build blackbox tests/blackbox "$@"

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
        # detect_leaks: every unit test frees what it allocates;
        # halt_on_error: a UBSan finding fails the run instead of scrolling by
        export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
        export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
        if { [ -f build-asan/build.ninja ] || meson setup build-asan \
               -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; } &&
           ninja -C build-asan; then
                unit build-asan asan-unit
                # the worker's exit after SIGTERM is not leak-checked: tasks
                # killed mid-flight by tests keep what they held
                ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
                        blackbox build-asan asan-blackbox $SANITIZE_TESTS
        else
                count asan-build 0 1
        fi
        unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
        tools/fuzz.sh > build/fuzz.log 2>&1
        fuzz_rc=$?
        tail -40 build/fuzz.log
        line=$(grep '^fuzz: ' build/fuzz.log | tail -1)
        ok=$(echo "$line" | sed -n 's/^fuzz: \([0-9]*\) passed.*/\1/p')
        bad=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
        ok=${ok:-0}; bad=${bad:-0}
        [ $fuzz_rc -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
        count fuzz "$ok" "$bad"
fi

echo "$summary"
echo "total: $passed passed, $failed failed"
[ $failed -eq 0 ]
