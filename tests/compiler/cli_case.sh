#!/bin/sh
# cli_case.sh EXIT MESSAGE COMMAND... -- runs COMMAND and passes when it exits
# with EXIT (never a signal) and prints exactly one line on stderr, containing
# MESSAGE (a fixed string). Used by the cli_case_* tests (cli_errors.cmake).
want=$1; msg=$2; shift 2
err=$(mktemp) || exit 1
"$@" >/dev/null 2>"$err"
rc=$?
lines=$(wc -l <"$err")
ok=1
[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want"; ok=0; }
[ "$lines" -eq 1 ] || { echo "$lines lines on stderr, expected 1"; ok=0; }
grep -qF -- "$msg" "$err" || { echo "stderr lacks: $msg"; ok=0; }
cat "$err"; rm -f "$err"
[ $ok -eq 1 ]
