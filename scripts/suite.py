#!/usr/bin/env python3
"""Runs `atpg run` over the benchmark suite and writes the results table.

Usage: scripts/suite.py [--atpg PATH] [--benchmarks DIR] [--out BENCHMARKS.md] [--only NAME,...]
       [--set classic|epfl] [--reports DIR] [-- extra atpg run arguments]

For every ISCAS-85 `.bench`, every ISCAS-89 `.bench` (full-scan view) and every ITC'99 `_C.bench`
under the benchmarks folder, runs `atpg run FILE --report R.json` (plus the extra arguments),
checks the detected/untestable counts of the uncollapsed fault list against TESTABLE.md, and
prints a Markdown table: circuit, gates, flops, faults, detected, untestable, aborted, coverage,
patterns, MinTest record, seconds, peak memory. Exits non-zero if any count disagrees with
TESTABLE.md or any fault is aborted.

`--set epfl` runs the EPFL arithmetic circuits instead (`epfl/arithmetic/*.v`, and `hyp.aig`,
which has no Verilog, through the AIGER reader) and prints their own table (no TESTABLE.md or
MinTest columns); each run is `atpg run --shard 0/1` (the whole list as one shard), whose report
names every aborted fault and why, so that the table can say which faults were aborted
(`--reports DIR` keeps those reports). The set is big
(hyp alone has 214,335 AND gates): expect hours on a small machine.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

# Compact test set sizes of MinTest (Hamzaoglu and Patel, ICCAD 1998), the record the issue cites.
MINTEST = {
    "c432": 27, "c499": 52, "c880": 16, "c1355": 84, "c1908": 106, "c2670": 44, "c3540": 83,
    "c5315": 37, "c6288": 12, "c7552": 73, "s5378": 97, "s9234": 105, "s13207": 233,
    "s15850": 95, "s35932": 12, "s38417": 68, "s38584": 110,
}


def testable_table(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    for line in open(path):
        if line.startswith("## "):
            break  # later sections are other fault models
        m = re.match(r"\|\s*(\S+)\.bench\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[m.group(1)] = tuple(int(m.group(i)) for i in (2, 3, 4))
    return rows


# The stuck-at suite: ISCAS-85, full-scan ISCAS-89 and the combinational ITC'99 `_C` files.
STUCK_AT_SETS = (("iscas85", lambda f: True), ("iscas89", lambda f: True),
                 ("itc99", lambda f: f.endswith("_C.bench")))


def circuits(bench, sets=STUCK_AT_SETS):
    """The `.bench` files of `sets` ((folder, keep(file name)) pairs) under `bench`, in suite order."""
    out = []
    for sub, keep in sets:
        d = os.path.join(bench, sub)
        if not os.path.isdir(d):
            continue
        names = sorted(f for f in os.listdir(d) if f.endswith(".bench") and keep(f))
        names.sort(key=lambda f: (len(re.sub(r"\D", "", f.split(".")[0])), f))
        out += [os.path.join(d, f) for f in names]
    return out


def epfl_circuits(bench):
    d = os.path.join(bench, "epfl", "arithmetic")
    if not os.path.isdir(d):
        return []
    names = sorted(f for f in os.listdir(d) if f.endswith(".v"))
    stems = {f[:-2] for f in names}
    names += sorted(f for f in os.listdir(d) if f.endswith(".aig") and f[:-4] not in stems)
    return [os.path.join(d, f) for f in names]


def run_epfl(args):
    """The EPFL table: every circuit, its faults, aborts named, time, patterns, memory."""
    only = set(args.only.split(",")) if args.only else None
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.reports or scratch
        if args.reports:
            os.makedirs(args.reports, exist_ok=True)
        for path in epfl_circuits(args.benchmarks):
            name = os.path.basename(path)
            if only and name.rsplit(".", 1)[0] not in only:
                continue
            report = os.path.join(tmp, name + ".json")
            cmd = ["/usr/bin/time", "-f", "%M", args.atpg, "run", path, "--report", report,
                   "--shard", "0/1", "--text", os.path.join(tmp, name + ".txt")] + args.extra
            start = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.time() - start
            if r.returncode != 0:
                failures.append(f"{name}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
                print(f"{name}: FAILED after {wall:.0f} s: {r.stderr.strip()[-300:]}", file=sys.stderr)
                continue
            peak_kb = int(r.stderr.strip().splitlines()[-1])
            rep = json.load(open(report))
            st = stats(args.atpg, path)
            u, c = rep["faults_uncollapsed"], rep["faults"]
            aborted = rep.get("aborted_faults", [])
            if aborted:
                named = ", ".join(f"{a['fault']} ({a['reason']})" for a in aborted[:20])
                failures.append(f"{name}: {len(aborted)} aborted: {named}")
            sec = rep["seconds"]
            rows.append((name, st.get("inputs", ""), st.get("outputs", ""), st.get("gates", ""),
                         st.get("levels", ""), c["total"], u["total"], u["detected"], u["untestable"],
                         u["aborted"], rep["test_coverage"], rep["patterns"], sec["total"],
                         sec["deterministic"] + sec["retry"], peak_kb / 1024, rep["sat_calls"]))
            print(f"{name:>16} {u['detected']}/{u['untestable']} ab {u['aborted']} pat {rep['patterns']}"
                  f" {sec['total']:.1f}s (sat {sec['deterministic'] + sec['retry']:.1f}s)"
                  f" {peak_kb / 1024:.0f} MB", file=sys.stderr, flush=True)
    lines = ["| circuit | inputs | outputs | gates | levels | collapsed faults | faults | detected | untestable | aborted | test coverage % | patterns | seconds | SAT seconds | peak MB | SAT calls |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| " + " | ".join([str(x) for x in r[:10]] + [f"{r[10]:.2f}", str(r[11]),
                     f"{r[12]:.1f}", f"{r[13]:.1f}", f"{r[14]:.0f}", str(r[15])]) + " |")
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


def stats(atpg, path):
    r = subprocess.run([atpg, "stats", path, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return {}
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atpg", default="target/release/atpg")
    ap.add_argument("--benchmarks", default="../shared/benchmarks")
    ap.add_argument("--out")
    ap.add_argument("--only")
    ap.add_argument("--set", choices=["classic", "epfl"], default="classic")
    ap.add_argument("--reports", help="--set epfl: keep each run's JSON report and patterns here")
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    if args.set == "epfl":
        return run_epfl(args)
    testable = testable_table(os.path.join(args.benchmarks, "TESTABLE.md"))
    only = set(args.only.split(",")) if args.only else None
    rows, failures = [], []
    total_seconds, sums = 0.0, [0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        for path in circuits(args.benchmarks):
            name = os.path.basename(path)[: -len(".bench")]
            if only and name not in only:
                continue
            report = os.path.join(tmp, name + ".json")
            cmd = ["/usr/bin/time", "-f", "%M", args.atpg, "run", path, "--report", report] + args.extra
            start = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.time() - start
            if r.returncode != 0:
                failures.append(f"{name}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
                continue
            peak_kb = int(r.stderr.strip().splitlines()[-1])
            rep = json.load(open(report))
            st = stats(args.atpg, path)
            u = rep["faults_uncollapsed"]
            check = ""
            if name in testable:
                total, t, ut = testable[name]
                ok = (u["total"], u["detected"], u["untestable"]) == (total, t, ut)
                check = "yes" if ok else f"NO (expected {t}/{ut})"
                if not ok:
                    failures.append(f"{name}: detected/untestable {u['detected']}/{u['untestable']}, TESTABLE.md {t}/{ut}")
            if u["aborted"]:
                failures.append(f"{name}: {u['aborted']} aborted")
            base = name.split(".")[0]
            record = MINTEST.get(base) if name == base or name == base + ".1" and base not in [os.path.basename(p)[:-6] for p in []] else None
            if record and name == base:
                sums[0] += rep["patterns"]
                sums[1] += record
            total_seconds += rep["seconds"]["total"]
            rows.append((name, st.get("gates", ""), st.get("flops", ""), u["total"], u["detected"],
                         u["untestable"], u["aborted"], rep["test_coverage"], rep["patterns"],
                         record if name == base else None, rep["seconds"]["total"], wall, peak_kb / 1024, check))
            print(f"{name:>10} {rows[-1][4]:>6}/{rows[-1][5]:<4} ab {rows[-1][6]:<3} pat {rep['patterns']:>5}"
                  f" (mintest {record if name == base else '-'}) {rep['seconds']['total']:7.2f}s {peak_kb/1024:6.0f} MB {check}",
                  file=sys.stderr, flush=True)
    lines = ["| circuit | gates | flops | faults | detected | untestable | aborted | test coverage % | patterns | MinTest | seconds | peak MB | matches TESTABLE.md |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r[0], str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]), f"{r[7]:.2f}",
            str(r[8]), "" if r[9] is None else str(r[9]), f"{r[10]:.2f}", f"{r[12]:.0f}", r[13]]) + " |")
    lines.append("")
    lines.append(f"Total ATPG seconds: {total_seconds:.1f}. Patterns on the MinTest circuits: {sums[0]} (MinTest {sums[1]}, ratio {sums[0] / max(1, sums[1]):.2f}).")
    text = "\n".join(lines) + "\n"
    if args.out:
        command = "scripts/suite.py " + " ".join(sys.argv[1:])
        header = [
            "# Benchmarks",
            "",
            f"Generated by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())} "
            f"({os.cpu_count()} cores), `atpg run` at its default settings"
            + (f" plus `{' '.join(args.extra)}`" if args.extra else "") + ".",
            "Faults, detected, untestable and aborted count the uncollapsed fault list; test coverage"
            " is of the collapsed list; seconds are the run's own (netlist reading excluded); peak"
            " memory is the process's maximum resident set. MinTest is the compact test set size"
            " of Hamzaoglu and Patel (ICCAD 1998). The last column compares detected/untestable"
            " with `../shared/benchmarks/TESTABLE.md`.",
            "",
        ]
        text = "\n".join(header) + "\n" + text
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
