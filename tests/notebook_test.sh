#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/notebook.ipynb executed headless (docs/plots.md, "The notebook"): Debian's
# jupyter-nbconvert runs it in a kernel of its own that uses /usr/bin/python3 with the freshly
# built library (LIBTIER_PATH, PYTHONPATH), writing the executed copy and the exported CSV into a
# temporary folder; then the outputs are checked: no error in any cell, every cell that draws a
# plot of libtier.plot produced an image/png, and the exported tiers have one row per customer of
# the example (the ids of the invoices and of the accounts). Exit 77 (skipped) without
# jupyter-nbconvert, or without ipykernel, matplotlib or pandas for /usr/bin/python3.
# Usage: notebook_test.sh SOURCE_DIR LIBTIER_SO
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
src=$1
lib=$2
py=/usr/bin/python3
nbconvert=$(command -v jupyter-nbconvert || true)
if [ -z "$nbconvert" ] || ! "$py" -c "import ipykernel, matplotlib, pandas, nbformat" 2>/dev/null; then
    echo "notebook: jupyter-nbconvert or python3-ipykernel/-matplotlib/-pandas missing: skipped"
    exit 77
fi
# A kernel spec of our own, so the notebook runs on /usr/bin/python3 whatever else is installed;
# every Jupyter and matplotlib folder inside $work.
mkdir -p "$work/jupyter/kernels/libtier-test" "$work/out"
cat >"$work/jupyter/kernels/libtier-test/kernel.json" <<JSON
{"argv": ["$py", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "libtier test (/usr/bin/python3)", "language": "python"}
JSON
export JUPYTER_PATH=$work/jupyter JUPYTER_CONFIG_DIR=$work/config JUPYTER_RUNTIME_DIR=$work/runtime
export JUPYTER_DATA_DIR=$work/data IPYTHONDIR=$work/ipython MPLCONFIGDIR=$work/mpl
export PYDEVD_DISABLE_FILE_VALIDATION=1 PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH=$src/bindings/python LIBTIER_PATH=$lib
export LIBTIER_EXAMPLES=$src/examples LIBTIER_NOTEBOOK_OUT=$work/out
check "nbconvert --execute" "$py" -m nbconvert --to notebook --execute \
    "$src/examples/notebook.ipynb" --output-dir "$work/out" --output executed \
    --ExecutePreprocessor.kernel_name=libtier-test --ExecutePreprocessor.timeout=600
check "outputs" "$py" - "$work/out/executed.ipynb" "$work/out/tiers.csv" "$src/examples/data" <<'PY'
import csv, json, os, sys
nb = json.load(open(sys.argv[1], encoding="utf-8"))
bad = []
code = [c for c in nb["cells"] if c["cell_type"] == "code"]
for k, c in enumerate(code):
    src = "".join(c["source"])
    outs = c.get("outputs", [])
    for o in outs:
        if o["output_type"] == "error":
            bad.append("cell %d: %s: %s" % (k, o["ename"], o["evalue"]))
        if o["output_type"] == "stream" and o.get("name") == "stderr" and "Traceback" in "".join(o["text"]):
            bad.append("cell %d: a traceback on stderr" % k)
    if c.get("execution_count") is None:
        bad.append("cell %d was not executed" % k)
    pngs = sum(1 for o in outs if "image/png" in o.get("data", {}))
    drawn = sum(src.count("plot." + f + "(") for f in (
        "tier_pyramid", "pareto_curve", "rf_heatmap", "p_alive_hist", "p_alive_matrix",
        "migration_matrix", "scorecard_contributions"))
    if drawn and pngs < 1:
        bad.append("cell %d draws %d plots but has no image/png" % (k, drawn))
every = "".join("".join(c["source"]) for c in code)
for f in ("tier_pyramid", "pareto_curve", "rf_heatmap", "p_alive_hist", "p_alive_matrix",
          "migration_matrix", "scorecard_contributions"):
    if "plot." + f + "(" not in every:
        bad.append("the notebook never draws plot.%s" % f)
images = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
if images < 6:
    bad.append("%d images, want at least 6" % images)
if "policy=\"b2b-full\"" not in every or "notebook.policy" not in every or ".explain(" not in every:
    bad.append("the built-in policy, the custom policy file or an explanation is missing")
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
data = sys.argv[3]
ids = {r["customer_id"] for r in csv.DictReader(open(os.path.join(data, "b2b_invoices.csv"), encoding="utf-8"))}
ids |= {r["account_id"] for r in csv.DictReader(open(os.path.join(data, "b2b_accounts.csv"), encoding="utf-8"))}
got = [r["customer_id"] for r in rows]
if len(got) != len(set(got)) or set(got) != ids:
    bad.append("tiers.csv: %d rows, %d distinct, want the %d customers" % (len(got), len(set(got)), len(ids)))
if any(not r["tier"] for r in rows):
    bad.append("tiers.csv: a row without a tier")
for b in bad:
    print("notebook:", b)
print("notebook: %d code cells, %d images, %d exported rows" % (len(code), images, len(rows)))
sys.exit(1 if bad else 0)
PY
finish notebook
