#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves that .ci/check-layers.py catches what it is for: it is run on small temporary trees, one
# with includes that respect the layers (must pass) and several with one bad include each (must
# fail, naming the file, the line and the include).
#   check_layers_test.sh PYTHON SOURCE_DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=$1
CHECK=$2/.ci/check-layers.py

# held WHAT: counts a check that held.
held()
{
    pass=$((pass + 1))
    echo "ok: $*"
}

# new_tree NAME: a tree with a public header, util, core and models (no io/, policy/, pipeline/).
new_tree()
{
    local t=$work/$1
    mkdir -p "$t/include/tier" "$t/src/util" "$t/src/core" "$t/src/models/rfm" "$t/src/cli"
    printf '/* public */\n' >"$t/include/tier.h"
    printf '#include "tier.h"\n' >"$t/src/util/internal.h"
    printf '#include "util/internal.h"\n' >"$t/src/core/book_internal.h"
    printf '#include "core/book_internal.h"\n#include "util/internal.h"\n' >"$t/src/core/book.c"
    printf '#include "segmap_internal.h"\n' >"$t/src/models/rfm/rfm.c"
    printf '#include "core/book_internal.h"\n' >"$t/src/models/rfm/segmap_internal.h"
    printf '#include "cli.h"\n' >"$t/src/cli/main.c"
    printf '#include "tier.h"\n#include "models/rfm/segmap_internal.h"\n' >"$t/src/cli/cli.h"
    echo "$t"
}

# expect_pass NAME TREE
expect_pass()
{
    local out rc=0
    out=$("$PYTHON" "$CHECK" --root "$2" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ]; then
        failed "$1: want exit 0, got $rc:"$'\n'"$out"
    else
        held "$1"
    fi
    LAST_OUT=$out
}

# expect_fail NAME TREE FIXED-STRING...: exit 1 and every string in the output.
expect_fail()
{
    local name=$1 tree=$2 out rc=0 s
    shift 2
    out=$("$PYTHON" "$CHECK" --root "$tree" 2>&1) || rc=$?
    if [ "$rc" -ne 1 ]; then
        failed "$name: want exit 1, got $rc:"$'\n'"$out"
        return
    fi
    for s in "$@"; do
        if ! grep -qF -- "$s" <<<"$out"; then
            failed "$name: output lacks \"$s\":"$'\n'"$out"
            return
        fi
    done
    held "$name"
}

# 1. Includes of the own layer, lower layers and public headers pass; missing layers are fine.
t=$(new_tree good)
expect_pass "a tree whose includes all point down passes (io/, policy/, pipeline/ absent)" "$t"

# 2. A commented-out upward include is no include.
t=$(new_tree comments)
printf '/* An example for the reader:\n#include "cli/cli.h"\n */\n#include "util/internal.h"\n' \
    >"$t/src/util/strings.c"
expect_pass "an upward include inside a block comment is ignored" "$t"

# 3. A lower layer including a higher one fails, naming file, line and include ("/*" in a string
#    opens no comment that would hide it).
t=$(new_tree up)
printf 'static const char *open = "/*";\n#include "util/internal.h"\n#include "models/rfm/segmap_internal.h"\n' \
    >"$t/src/core/record.c"
expect_fail "core including models fails with file:line and the include" "$t" \
    'src/core/record.c:3: #include "models/rfm/segmap_internal.h"' \
    'layer core includes the higher layer models'

# 4. The same through a relative path.
t=$(new_tree relative)
printf '#include "../../cli/cli.h"\n' >"$t/src/models/rfm/segmap.c"
expect_fail "a relative include into a higher layer fails" "$t" \
    'src/models/rfm/segmap.c:1: #include "../../cli/cli.h"' 'layer models includes the higher layer cli'

# 5. A layer that does not exist yet still ranks: an include into it is judged by its folder.
t=$(new_tree future)
mkdir -p "$t/src/policy"
printf '#include "pipeline/pipeline.h"\n' >"$t/src/policy/result.c"
expect_fail "an include of a not-yet-existing higher layer (pipeline) fails" "$t" \
    'src/policy/result.c:1: #include "pipeline/pipeline.h"' 'layer policy includes the higher layer pipeline'

# 6. The pipeline may use everything below it, and cli may use the pipeline.
t=$(new_tree pipeline)
mkdir -p "$t/src/pipeline" "$t/src/policy"
printf '#include "util/internal.h"\n' >"$t/src/policy/policy_internal.h"
printf '#include "policy/policy_internal.h"\n#include "models/rfm/segmap_internal.h"\n' \
    >"$t/src/pipeline/pipeline.c"
printf '#include "tier.h"\n' >"$t/src/pipeline/pipeline_internal.h"
printf '#include "pipeline/pipeline_internal.h"\n' >"$t/src/cli/run.c"
expect_pass "pipeline including policy and models, cli including pipeline, pass" "$t"

# 7. A folder that is not a layer, and a file at the top of src/, fail.
t=$(new_tree unknown)
mkdir -p "$t/src/extras"
printf '#include "util/internal.h"\n' >"$t/src/extras/x.c"
printf '#include "util/internal.h"\n' >"$t/src/loose.c"
expect_fail "an unknown folder and a loose file under src/ fail" "$t" \
    'src/extras/x.c: src/extras/ is not a layer' 'src/loose.c: a source file at the top of src/'

# 8. Every violation is listed, not only the first.
t=$(new_tree many)
printf '#include "core/book_internal.h"\n' >"$t/src/util/a.c"
printf '\n\n#include "cli/cli.h"\n' >"$t/src/core/b.c"
expect_fail "two violations in two files are both reported" "$t" \
    'src/util/a.c:1: #include "core/book_internal.h"' 'src/core/b.c:3: #include "cli/cli.h"' '2 errors'

# 9. A file over 1,000 lines is a warning, not a failure.
t=$(new_tree long)
{ printf '#include "util/internal.h"\n'; for i in $(seq 1 1001); do printf '/* %d */\n' "$i"; done; } \
    >"$t/src/core/long.c"
expect_pass "a file over 1,000 lines passes" "$t"
if grep -qF 'warning: src/core/long.c: 1002 lines' <<<"$LAST_OUT"; then
    held "... with a warning naming it"
else
    failed "no warning for the 1002-line file:"$'\n'"$LAST_OUT"
fi

finish "check-layers.py"
