#!/usr/bin/env bash
# Sharded ATPG on a Slurm cluster: N shards as a job array, then the merge as a job that depends
# on the whole array. Waits for the merge and exits with its status.
#
#   contrib/slurm/run.sh DESIGN N OUTDIR
#
# Writes OUTDIR/shard-I.{txt,json,log} and OUTDIR/merged.{stil,txt,json,log}. $ATPG names the
# binary (default: `atpg` on PATH; it must be reachable from every node, as must DESIGN and
# OUTDIR); $ATPG_RUN_FLAGS and $ATPG_MERGE_FLAGS pass extra flags; $SBATCH_FLAGS passes extra
# sbatch options (partition, account, time limit) to both submissions.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 DESIGN N OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
design=$(realpath "$1")
count=$2
mkdir -p "$3"
outdir=$(realpath "$3")
case $count in '' | *[!0-9]* | 0) echo "N must be a positive integer, got '$count'" >&2; exit 2 ;; esac
if [ -n "${ATPG:-}" ]; then ATPG=$(realpath "$ATPG"); export ATPG; fi
# shellcheck disable=SC2086 # SBATCH_FLAGS is a list of options
array=$(sbatch --parsable ${SBATCH_FLAGS:-} --array="0-$((count - 1))" \
  --chdir="$outdir" --output="$outdir/shard-%a.log" \
  "$here/atpg-shards.sbatch" "$design" "$count" "$outdir")
array=${array%%;*} # --parsable prints "jobid[;cluster]"
echo "submitted shard array job $array ($count tasks)"
# The merge starts when every shard succeeded; if one fails, the dependency can never be met and
# --kill-on-invalid-dep cancels the merge instead of leaving it pending. sbatch --wait returns 0
# for a job cancelled before it started, so success is judged by the merge's report as well.
rm -f "$outdir/merged.json"
status=0
# shellcheck disable=SC2086
sbatch --wait ${SBATCH_FLAGS:-} --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --chdir="$outdir" --output="$outdir/merge.log" \
  "$here/atpg-merge.sbatch" "$design" "$count" "$outdir" || status=$?
if [ "$status" -ne 0 ] || [ ! -s "$outdir/merged.json" ]; then
  echo "the sharded run failed (merge exit status $status); logs in $outdir:" >&2
  for log in "$outdir"/shard-*.log "$outdir"/merge.log; do
    [ -f "$log" ] && grep -H -m 3 -i error "$log" >&2
  done
  exit 1
fi
echo "merged: $outdir/merged.json"
