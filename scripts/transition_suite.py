#!/usr/bin/env python3
"""Runs stuck-at, launch-on-capture and launch-on-shift ATPG over the sequential benchmarks and
writes the transition-fault table of BENCHMARKS.md.

Usage: scripts/transition_suite.py [--atpg PATH] [--benchmarks DIR] [--out BENCHMARKS.md]
       [--only NAME,...] [-- extra atpg run arguments]

For every ISCAS-89 `.bench` and every sequential ITC'99 `.bench` (not the `_C` ones) under the
benchmarks folder, runs `atpg run FILE --report R.json` three times: stuck-at, `--model transition
--launch loc` and `--model transition --launch los` (one scan chain in netlist order, primary
inputs held). Checks the launch-on-capture detected/untestable counts against the second table
of TESTABLE.md where it lists the circuit, and exits non-zero on any disagreement or any aborted
fault. With --out, the table replaces the part of that file between the markers
`<!-- transition-suite:begin -->` and `<!-- transition-suite:end -->` (appended when absent);
without, it is printed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402  (circuits() is shared with the suite runner)

BEGIN = "<!-- transition-suite:begin -->"
END = "<!-- transition-suite:end -->"
MODES = [("stuck-at", []), ("loc", ["--model", "transition", "--launch", "loc"]),
         ("los", ["--model", "transition", "--launch", "los"])]


def loc_table(path):
    """The launch-on-capture section of TESTABLE.md: name -> (faults, testable, untestable)."""
    rows, inside = {}, False
    if not os.path.exists(path):
        return rows
    for line in open(path):
        if line.startswith("## "):
            inside = "launch-on-capture" in line and "held" in line
            continue
        m = inside and re.match(r"\|\s*(\S+)\.bench\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[m.group(1)] = tuple(int(m.group(i)) for i in (2, 3, 4))
    return rows


# The sequential circuits: ISCAS-89 and the ITC'99 files other than the `_C` ones.
SEQUENTIAL_SETS = (("iscas89", lambda f: True), ("itc99", lambda f: not f.endswith("_C.bench")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atpg", default="target/release/atpg")
    ap.add_argument("--benchmarks", default="../shared/benchmarks")
    ap.add_argument("--out")
    ap.add_argument("--only")
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    reference = loc_table(os.path.join(args.benchmarks, "TESTABLE.md"))
    only = set(args.only.split(",")) if args.only else None
    rows, failures = [], []
    totals = {m: [0.0, 0] for m, _ in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for path in suite.circuits(args.benchmarks, SEQUENTIAL_SETS):
            name = os.path.basename(path)[: -len(".bench")]
            if only and name not in only:
                continue
            row = {"name": name}
            for mode, flags in MODES:
                report = os.path.join(tmp, f"{name}.{mode}.json")
                cmd = [args.atpg, "run", path, "--report", report] + flags + args.extra
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append(f"{name} {mode}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
                    row[mode] = None
                    continue
                rep = json.load(open(report))
                u = rep["faults_uncollapsed"]
                row[mode] = rep
                totals[mode][0] += rep["seconds"]["total"]
                totals[mode][1] += rep["patterns"]
                if u["aborted"]:
                    failures.append(f"{name} {mode}: {u['aborted']} aborted")
                if mode == "loc" and name in reference:
                    expected = reference[name]
                    found = (u["total"], u["detected"], u["untestable"])
                    row["check"] = "yes" if found == expected else f"NO (expected {expected[1]}/{expected[2]})"
                    if found != expected:
                        failures.append(f"{name} loc: {found}, TESTABLE.md {expected}")
            rows.append(row)
            summary = " ".join(
                f"{m}: {row[m]['faults_uncollapsed']['detected']}/{row[m]['faults_uncollapsed']['untestable']}"
                f" pat {row[m]['patterns']} {row[m]['seconds']['total']:.1f}s" if row[m] else f"{m}: failed"
                for m, _ in MODES)
            print(f"{name:>10} {summary} {row.get('check', '')}", file=sys.stderr, flush=True)

    def cells(rep):
        if rep is None:
            return ["failed"] * 5
        u = rep["faults_uncollapsed"]
        return [f"{rep['fault_coverage']:.2f}", str(u["untestable"]), str(u["aborted"]),
                str(rep["patterns"]), f"{rep['seconds']['total']:.2f}"]

    lines = [
        "| circuit | faults | stuck-at FC % | untestable | aborted | patterns | s "
        "| LOC FC % | untestable | aborted | patterns | s "
        "| LOS FC % | untestable | aborted | patterns | s | LOC matches TESTABLE.md |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        faults = next((row[m]["faults_uncollapsed"]["total"] for m, _ in MODES if row[m]), "")
        parts = [row["name"], str(faults)]
        for mode, _ in MODES:
            parts += cells(row[mode])
        parts.append(row.get("check", ""))
        lines.append("| " + " | ".join(parts) + " |")
    lines.append("")
    lines.append("Totals: " + ", ".join(
        f"{m} {totals[m][1]} patterns in {totals[m][0]:.1f} s" for m, _ in MODES) + ".")
    table = "\n".join(lines) + "\n"
    if not args.out:
        print(table)
    else:
        command = "scripts/transition_suite.py " + " ".join(sys.argv[1:])
        section = "\n".join([
            BEGIN,
            "## Transition faults: launch-on-capture and launch-on-shift beside stuck-at",
            "",
            f"Generated by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())} "
            f"({os.cpu_count()} cores): `atpg run` at its default settings, stuck-at, then"
            " `--model transition --launch loc`, then `--launch los` (one scan chain in netlist"
            " order; primary inputs held between the frames)"
            + (f", plus `{' '.join(args.extra)}`" if args.extra else "") + ".",
            "Faults, untestable and aborted count the uncollapsed list (the same sites for all three"
            " models); FC is the fault coverage of the collapsed list (detected over all faults);"
            " seconds are the run's own. Holding the primary inputs makes every transition on a"
            " primary input, and much logic fed only by inputs, untestable under LOC, hence the"
            " lower coverage; the last column compares LOC detected/untestable with the second"
            " table of `../shared/benchmarks/TESTABLE.md`.",
            "",
            table.rstrip("\n"),
            END,
        ]) + "\n"
        text = open(args.out).read() if os.path.exists(args.out) else ""
        if BEGIN in text and END in text:
            text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        with open(args.out, "w") as f:
            f.write(text)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
