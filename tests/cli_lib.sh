# cli_lib.sh - what the command-line test scripts share; sourced, never run.
#
# After ". cli_lib.sh": $work is a fresh folder removed at exit, $ingest and $query are
# the built tools, fail MESSAGE records a failure, expect CODE COMMAND... runs a
# command and checks its exit code (and, for failures, that stderr is exactly one line
# "TOOL: ..." naming the blitz tool it ran, and that it did not die of a signal), and finish ends the script with
# status 1 if anything failed.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
ingest="$top_builddir/blitz-ingest"
query="$top_builddir/blitz-query"
work=$(mktemp -d "${TMPDIR:-/tmp}/blitz-cli-XXXXXX") || exit 99
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

expect() {
    code=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -ne "$code" ]; then
        fail "$*: exit $got, expected $code: $(head -c 400 "$work/err")"
        return
    fi
    [ "$got" -lt 128 ] || fail "$*: died of signal $((got - 128))"
    if [ "$code" -ne 0 ]; then
        [ "$(wc -l <"$work/err")" -eq 1 ] || fail "$*: stderr is not one line: $(cat "$work/err")"
        cli_tool=""
        for arg in "$@"; do
            case "$(basename -- "$arg")" in blitz-*) cli_tool=$(basename -- "$arg"); break ;; esac
        done
        grep -q "^$cli_tool: " "$work/err" || fail "$*: message lacks '$cli_tool: '"
    fi
}

finish() {
    [ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
    exit 0
}
