#!/bin/sh
# docs.sh -- the parts of docs/ that the tools write, and the kind lists that
# must agree with models/graph/ff_prims.def (docs/adding-a-primitive.md).
#
#   scripts/docs.sh check  FUSEFLOW   exit 1, with a diff, if docs/ differ
#   scripts/docs.sh update FUSEFLOW   rewrite the generated parts in place
#
# FUSEFLOW is the built `fuseflow` binary. A generated part sits between a
# line `<!-- generated: NAME -->` and a line `<!-- end generated -->`:
#   bitstream-example   docs/bitstream.md: the bitstream of examples/spmv.ff on
#                       rtl/arrays/kernels.json, as `fuseflow compile` writes it
#   bitstream-decode    docs/bitstream.md: scan[1]'s paragraph and the legend's
#                       first line of `fuseflow bitstream decode` of it
#   bitstream-mismatch  docs/bitstream.md: the message for another array
# Checked, not written: graph-format.md's `prim` row names every kind of
# ff_prims.def in table order; tokens.md and timing.md have a `### NAME`
# section for every kind.
set -eu
mode=${1:-}
ff=${2:-}
if [ "$mode" != check ] && [ "$mode" != update ] || [ -z "$ff" ]; then
  echo "usage: scripts/docs.sh check|update FUSEFLOW" >&2
  exit 2
fi
case $ff in /*) ;; *) ff=$(pwd)/$ff ;; esac
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# ---- the generated parts -------------------------------------------------
"$ff" compile examples/spmv.ff --bitstream "$tmp/spmv.bit" --array rtl/arrays/kernels.json > /dev/null
{ echo '```'; cat "$tmp/spmv.bit"; echo '```'; } > "$tmp/bitstream-example"
{
  echo '```'
  "$ff" bitstream decode "$tmp/spmv.bit" > "$tmp/decode"
  awk '/^scan\[1\] /{p=1} p&&/^$/{exit} p' "$tmp/decode"
  echo '...'
  awk '/^fields:$/{print; getline; print; exit}' "$tmp/decode"
  echo '  ...'
  echo '```'
} > "$tmp/bitstream-decode"
if "$ff" bitstream decode "$tmp/spmv.bit" --array rtl/arrays/default.json > /dev/null 2> "$tmp/err"; then
  echo "docs.sh: decoding a 'kernels' bitstream against 'default' succeeded" >&2
  exit 1
fi
{ echo '```'; sed 's/^.*: \(the bitstream was built\)/\1/' "$tmp/err"; echo '```'; } > "$tmp/bitstream-mismatch"

# splice DOC: the doc with every generated part replaced by $tmp/NAME
splice() {
  awk -v dir="$tmp" '
    /^<!-- generated: [a-z-]+ -->$/ {
      print; name = $3; f = dir "/" name
      while ((getline l < f) > 0) print l
      close(f); skip = 1; next
    }
    /^<!-- end generated -->$/ { skip = 0 }
    !skip' "$1"
}
for doc in docs/bitstream.md; do
  splice "$doc" > "$tmp/new.md"
  if ! cmp -s "$doc" "$tmp/new.md"; then
    if [ "$mode" = update ]; then
      cp "$tmp/new.md" "$doc"
      echo "docs.sh: rewrote $doc"
    else
      echo "docs.sh: $doc differs from the tools' output (scripts/docs.sh update $2):" >&2
      diff -u "$doc" "$tmp/new.md" >&2 || true
      bad=1
    fi
  fi
done

# ---- the kind lists ------------------------------------------------------
kinds=$(sed -n 's/^FF_PRIM([A-Z0-9_]*, "\([a-z0-9_]*\)".*/\1/p' models/graph/ff_prims.def)
want=$(for k in $kinds; do printf '`%s`, ' "$k"; done | sed 's/, $//')
have=$(sed -n 's/^| `prim` | yes | a kind from `ff_prims.def` (\(.*\)) |$/\1/p' docs/graph-format.md)
if [ "$have" != "$want" ]; then
  printf 'docs.sh: docs/graph-format.md: the prim row lists\n  %s\nff_prims.def has\n  %s\n' "$have" "$want" >&2
  bad=1
fi
for k in $kinds; do
  for doc in docs/tokens.md docs/timing.md; do
    if ! grep -Eq "^### (.*[ ,])?$k([ ,].*)?\$" "$doc"; then
      echo "docs.sh: $doc has no section '### $k' (ff_prims.def kind)" >&2
      bad=1
    fi
  done
done
exit $bad
