#!/bin/sh
# The main job on the bundled samples (the README's first command runs this):
# back-fill three monthly snapshots into the store, then write November's report.
# Run from the repository root. POLICYWATCH (the command) and POLICYWATCH_STORE
# (the store, default ./snapshots) can be overridden.
set -u
policywatch=${POLICYWATCH:-.venv/bin/policywatch}
store=${POLICYWATCH_STORE:-snapshots}

# The store is a repository of its own: look for its .git, not for an enclosing
# checkout (./snapshots sits inside the project's clone).
if [ -d "$store/.git" ] && git -C "$store" rev-parse -q --verify HEAD >/dev/null 2>&1; then
  echo "$store already holds snapshots: not back-filling again (delete it to start over)"
else
  for month in 2026-09 2026-10 2026-11; do
    # Exit 3 means the run completed with a failed source: the sample has one on purpose.
    "$policywatch" snapshot --config "samples/sources-$month.toml" --store "$store" \
      --as-of "$month-02T02:00:00Z"
    status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
  done
fi
exec "$policywatch" report --month 2026-11 --store "$store"
