#!/bin/sh
# Installs, builds and runs every test: the C unit tests (meson) and the
# black-box tests (pytest against the real sluice binary and a mock-broker
# process). Ends with one line "total: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1
tools/build.sh || exit 1

meson test -C build --print-errorlogs --suite unit > build/unit-tests.log 2>&1
unit_rc=$?
cat build/unit-tests.log
unit_ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' build/unit-tests.log | tail -1)
unit_fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' build/unit-tests.log | tail -1)
unit_to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' build/unit-tests.log | tail -1)
unit_ok=${unit_ok:-0}; unit_fail=$(( ${unit_fail:-0} + ${unit_to:-0} ))
[ $unit_rc -ne 0 ] && [ $unit_fail -eq 0 ] && unit_fail=1

# /usr/bin/python3: Debian's, which has confluent_kafka (a pyenv one may not)
SLUICE_BUILD="$PWD/build" /usr/bin/python3 -m pytest -v -p no:cacheprovider \
  tests/blackbox "$@" 2>&1 | tee build/blackbox-tests.log
bb_summary=$(tail -1 build/blackbox-tests.log)
bb_ok=$(echo "$bb_summary" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
bb_fail=$(echo "$bb_summary" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
bb_err=$(echo "$bb_summary" | sed -n 's/.* \([0-9][0-9]*\) error.*/\1/p')
bb_ok=${bb_ok:-0}; bb_fail=$(( ${bb_fail:-0} + ${bb_err:-0} ))
[ "$bb_ok" -eq 0 ] && [ "$bb_fail" -eq 0 ] && bb_fail=1  # no test ran is a failure

passed=$(( unit_ok + bb_ok )); failed=$(( unit_fail + bb_fail ))
echo "unit: $unit_ok passed, $unit_fail failed; blackbox: $bb_ok passed, $bb_fail failed"
echo "total: $passed passed, $failed failed"
[ $failed -eq 0 ]
