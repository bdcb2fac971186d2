#!/bin/bash
# "Edit one chapter, rebuild": times `make book`'s incremental build on a small book (default: the
# chapters 07 and 08) copied into a temporary folder, so the repository's own _build is untouched.
#   benchmarks/bench_book_rebuild.sh [CHAPTER ...]        e.g. 07_activations 08_losses
# Each line: what was done, the build's exit code, wall seconds, the load average, and how many
# notebooks were executed or taken from jupyter-cache. Small books fail -W on their links to pages
# they leave out (the exercises): that is expected here, and costs nothing extra.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
JB=$(dirname "$PY")/jupyter-book
if [ $# -gt 0 ]; then CHAPTERS=("$@"); else CHAPTERS=(07_activations 08_losses); fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/_config.yml" "$ROOT/book" "$WORK/"
[ -d "$ROOT/_web" ] && ln -s "$ROOT/_web" "$WORK/_web"
{ echo "format: jb-book"; echo "root: book/${CHAPTERS[0]}"; echo "chapters:"
  for c in "${CHAPTERS[@]:1}"; do echo "  - file: book/$c"; done; } > "$WORK/_toc.yml"
LAST=book/${CHAPTERS[-1]}.ipynb
cd "$WORK"
export PYTHONPATH=$ROOT OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

build() {  # $1: label, $2: extra jupyter-book arguments
  "$PY" -m nnlib.grading.authoring.book_config --root . --out _build/_config.yml >/dev/null
  local t0 t1 rc
  t0=$(date +%s.%N)
  "$JB" build $2 . --config _build/_config.yml -W -n --keep-going > "_build/log-$1.txt" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  printf '%-22s rc=%s %6.1f s  load %s  executed %s, from cache %s\n' "$1" "$rc" "$(echo "$t1 - $t0" | bc)" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$(grep -c 'Executed notebook' "_build/log-$1.txt")" \
    "$(grep -c 'Using cached notebook' "_build/log-$1.txt")"
}

edit() {  # $1: markdown or code; appends to the second cell of that type in the last chapter
  "$PY" - "$1" "$LAST" <<'PY'
import json, sys
kind, path = sys.argv[1:]
nb = json.load(open(path))
cell = [c for c in nb["cells"] if c["cell_type"] == kind][1]
cell["source"][-1] += " (edited)" if kind == "markdown" else "  # edited"
open(path, "w").write(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
PY
}

build "full, empty cache" --all
build "no change" ""
edit markdown; build "prose edit" ""
edit code; build "code edit" ""
