#!/usr/bin/env python3
"""Evaluates the learned fault-testability ranker and writes RANKER.md.

Usage: scripts/rank_eval.py [--atpg PATH] [--benchmarks DIR] [--out RANKER.md] [--only NAME,...]
       [--repeat N] [--work DIR] [--skip-train]

1. Quality, leave one circuit out: `atpg train SUITE --kind K --evaluate --fold-models` trains,
   for every circuit family of the suite (ISCAS-85, full-scan ISCAS-89, ITC'99 `_C`; an
   ISCAS-89 `.1` variant goes with its original), a model on the other families and scores the
   held-out circuits: ROC AUC, precision and recall for "proven untestable" and for "not
   detected by the random phase", against SCOAP alone and a random order. Both model types
   (`gbt`, the default, and `logistic`) are trained and compared side by side: that comparison
   is what the choice of the default type rests on.
2. Effect on ATPG: every circuit is run with `--ranker none`, `scoap` and `model` with each
   type's model (the model of its own held-out fold, so no circuit is ranked by a model trained
   on it), same seed, one after the other; total time, SAT conflicts and patterns are tabulated,
   and every run must reach the TESTABLE.md counts with no aborted fault. `--repeat N` runs each
   N times and keeps the fastest.
3. Inference cost: `atpg rank` on s38584.1 (features and prediction) against its `atpg run` time.

A hand-written summary between `<!-- summary:begin -->` and `<!-- summary:end -->` in the
existing output file is kept (it interprets the numbers; rewrite it when they change).

Exits non-zero if a run fails or disagrees with TESTABLE.md.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402  (circuits() and testable_table() are shared with the suite runner)

# Model types compared; the first is the default (`atpg train` without `--kind`).
KINDS = ("gbt", "logistic")
# The ATPG runs: no ranker, SCOAP, and the model of each type.
RANKERS = ("none", "scoap") + KINDS
SUMMARY = ("<!-- summary:begin -->", "<!-- summary:end -->")


def family(name):
    return name[:-2] if name.endswith(".1") else name


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def run_atpg(atpg, path, ranker, model, tmp, repeat):
    """One `atpg run`; `ranker` is none, scoap or a model kind (then `model` is its file)."""
    best = None
    for _ in range(repeat):
        report = os.path.join(tmp, "r.json")
        flag = ranker if ranker in ("none", "scoap") else "model"
        cmd = [atpg, "run", path, "--ranker", flag, "--seed", "1", "--report", report]
        if flag == "model":
            cmd += ["--ranker-model", model]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
        with open(report) as f:
            rep = json.load(f)
        if best is None or rep["seconds"]["total"] < best["seconds"]["total"]:
            best = rep
    return best


def quality_table(evaluation, key):
    lines = [
        "| circuit | faults | positives | AUC model | AUC SCOAP | AUC random | flagged | "
        "precision model | recall model | precision SCOAP | recall SCOAP | precision random | recall random |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = evaluation["circuits"] + [dict(evaluation["pooled"], circuit="**all (pooled)**")]
    for c in rows:
        q = c[key]
        lines.append(
            f"| {c['circuit']} | {c['faults']} | {q['positives']} | {fmt(q['model']['auc'])} | "
            f"{fmt(q['scoap']['auc'])} | {fmt(q['random']['auc'])} | {q['flagged']} | "
            f"{fmt(q['model']['precision'], 2)} | {fmt(q['model']['recall'], 2)} | "
            f"{fmt(q['scoap']['precision'], 2)} | {fmt(q['scoap']['recall'], 2)} | "
            f"{fmt(q['random']['precision'], 2)} | {fmt(q['random']['recall'], 2)} |"
        )
    return lines


def mean_auc(evaluation, key, who):
    values = [c[key][who]["auc"] for c in evaluation["circuits"] if c[key][who]["auc"] is not None]
    return sum(values) / len(values) if values else None, len(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atpg", default="target/release/atpg")
    ap.add_argument("--benchmarks", default="../shared/benchmarks")
    ap.add_argument("--out", default="RANKER.md")
    ap.add_argument("--only")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", help="keep the models and reports here (default: a temporary folder)")
    ap.add_argument("--skip-train", action="store_true",
                    help="reuse the evaluation and fold models of an earlier run in --work")
    args = ap.parse_args()
    paths = suite.circuits(args.benchmarks)
    if not paths:
        raise SystemExit(f"no benchmarks under {args.benchmarks}")
    testable = suite.testable_table(os.path.join(args.benchmarks, "TESTABLE.md"))
    only = set(args.only.split(",")) if args.only else None
    work = args.work or tempfile.mkdtemp(prefix="rank_eval")
    os.makedirs(work, exist_ok=True)
    evaluations = {}
    for kind in KINDS:
        evaluation_file = os.path.join(work, f"eval_{kind}.json")
        cmd = [args.atpg, "train", *paths, "--kind", kind, "-o", os.path.join(work, f"all_{kind}.json"),
               "--evaluate", evaluation_file, "--fold-models", os.path.join(work, f"folds_{kind}")]
        if not args.skip_train:
            print(f"training ({kind}) and leave-one-out evaluation ...", file=sys.stderr)
            subprocess.run(cmd, check=True)
        with open(evaluation_file) as f:
            evaluations[kind] = json.load(f)
    evaluation = evaluations[KINDS[0]]

    effect, failures = [], []
    totals = {r: [0.0, 0, 0] for r in RANKERS}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            name = os.path.basename(path)[: -len(".bench")]
            if only and name not in only:
                continue
            row = {"circuit": name}
            for ranker in RANKERS:
                model = os.path.join(work, f"folds_{ranker}", family(name) + ".json")
                rep = run_atpg(args.atpg, path, ranker, model, tmp, args.repeat)
                u = rep["faults_uncollapsed"]
                want = testable.get(name)
                if u["aborted"] or (want and (u["detected"], u["untestable"]) != want[1:]):
                    failures.append(f"{name} --ranker {ranker}: {u}")
                row[ranker] = rep
                t = totals[ranker]
                t[0] += rep["seconds"]["total"]
                t[1] += rep["sat_conflicts"]
                t[2] += rep["patterns"]
            print(f"{name}: " + ", ".join(
                f"{r} {row[r]['seconds']['total']:.2f} s {row[r]['patterns']} patterns"
                for r in RANKERS), file=sys.stderr)
            effect.append(row)
            write(args, evaluations, effect, totals, failures, None, partial=True)

    # Inference cost on the largest circuit.
    cost = None
    big = [p for p in paths if os.path.basename(p) == "s38584.1.bench"]
    big_row = next((r for r in effect if r["circuit"] == "s38584.1"), None)
    if big and big_row:
        kind = KINDS[0]
        r = subprocess.run([args.atpg, "rank", big[0], "--json", "--first", "1",
                            "--model", os.path.join(work, f"folds_{kind}", "s38584.json")],
                           capture_output=True, text=True, check=True)
        rank = json.loads(r.stdout)
        cost = (rank["seconds_features"], rank["seconds_prediction"],
                big_row[kind]["seconds"]["ranking"], big_row[kind]["seconds"]["total"],
                big_row["none"]["seconds"]["total"])

    write(args, evaluations, effect, totals, failures, cost, partial=False)
    if failures:
        sys.exit(1)


def kept_summary(path):
    """The hand-written summary block of an existing output file, markers included."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    begin, end = text.find(SUMMARY[0]), text.find(SUMMARY[1])
    if begin < 0 or end < begin:
        return None
    return text[begin:end + len(SUMMARY[1])] + "\n"


def kind_table(evaluations):
    """Model types side by side, leave one circuit out, for both labels."""
    lines = [
        "| label | scorer | pooled AUC | mean per-circuit AUC | circuits where AUC beats SCOAP | "
        "flagged (pooled) | precision (pooled) | recall (pooled) | seconds to train all folds |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, title in (("untestable", "proven untestable"),
                       ("random_resistant", "missed by random patterns")):
        first = evaluations[KINDS[0]]
        s, _ = mean_auc(first, key, "scoap")
        lines.append(f"| {title} | SCOAP | {fmt(first['pooled'][key]['scoap']['auc'])} | {fmt(s)} "
                     "| - | - | - | - | - |")
        for kind in KINDS:
            e = evaluations[kind]
            p = e["pooled"][key]
            m, n = mean_auc(e, key, "model")
            wins = sum(1 for c in e["circuits"]
                       if c[key]["model"]["auc"] is not None
                       and c[key]["model"]["auc"] > c[key]["scoap"]["auc"])
            lines.append(
                f"| {title} | {kind} | {fmt(p['model']['auc'])} | {fmt(m)} | {wins} of {n} | "
                f"{p['flagged']} | {fmt(p['model']['precision'], 2)} | {fmt(p['model']['recall'], 2)} | "
                f"{e['seconds_training']:.1f} |")
    return lines


def describe(kind, evaluation):
    params = evaluation["params"]
    if kind == "gbt":
        return f"gradient-boosted trees, {params['trees']} trees of depth {params['depth']} per label"
    return f"logistic regression on log-scaled, standardised features, L2 penalty {params['l2']:g}"


def write(args, evaluations, effect, totals, failures, cost, partial):
    evaluation = evaluations[KINDS[0]]
    summary = kept_summary(args.out)
    out = []
    today = datetime.date.today().isoformat()
    out.append("# Ranker evaluation\n")
    out.append(f"Generated by `scripts/rank_eval.py --out {args.out}"
               + (f" --repeat {args.repeat}" if args.repeat > 1 else "")
               + f"` on {today} ({os.cpu_count()} cores), release build. "
               f"The model is the one `atpg train` builds by default ({describe(KINDS[0], evaluation)}, "
               f"at most {evaluation['max_faults_per_circuit']} faults sampled per circuit); "
               "labels come from a default `atpg run` of each circuit. "
               + " ".join(f"`--kind {k}` trains {describe(k, evaluations[k])}." for k in KINDS[1:])
               + "\n")
    if summary:
        out.append(summary)
    out.append("## Model type, leave one circuit out\n")
    out.append("The same leave-one-circuit-out folds, features and labels for each model type `atpg "
               "train --kind` offers, and SCOAP alone. `flagged` counts the held-out faults the model "
               "gives a probability of at least 0.5; precision and recall are at that threshold. "
               "Training seconds cover every fold (labelling excluded) on a shared machine. The "
               "per-circuit tables below are for the default type.\n")
    out.extend(kind_table(evaluations))
    out.append("")
    out.append("## Prediction quality, leave one circuit out\n")
    out.append("For each circuit family (an ISCAS-89 `.1` variant is held out together with its original) a "
               "model is trained on every other circuit of the suite and scored on the held-out one. "
               "`AUC` is the ROC AUC of the score (model probability; SCOAP testability = log2(1 + CC of "
               "the activating value + CO); a seeded random score). `flagged` is how many faults the "
               "model calls positive (probability at least 0.5); SCOAP and random flag the same number "
               "of their top-scored faults, so their precision and recall are at the model's operating "
               "point. `-`: undefined (the label never occurs on the circuit, or nothing flagged).\n")
    for key, title in (("untestable", "Proven untestable"),
                       ("random_resistant", "Not detected by random patterns")):
        m, n = mean_auc(evaluation, key, "model")
        s, _ = mean_auc(evaluation, key, "scoap")
        p = evaluation["pooled"][key]
        out.append(f"### {title}\n")
        out.append(f"Pooled AUC: model {fmt(p['model']['auc'])}, SCOAP {fmt(p['scoap']['auc'])}, "
                   f"random {fmt(p['random']['auc'])}. Mean per-circuit AUC over the {n} circuits where it "
                   f"is defined: model {fmt(m)}, SCOAP {fmt(s)}.\n")
        out.extend(quality_table(evaluation, key))
        out.append("")
    out.append("## Effect on ATPG\n")
    out.append("`atpg run --seed 1` with `--ranker none`, `scoap`, and `model` with the model of each type "
               "(" + ", ".join(f"`{k}`" for k in KINDS) + "; each circuit ranked by the model of its "
               "held-out fold), one after the other on a shared machine: seconds are "
               "noisy; conflicts and patterns are exact. Every run reached the TESTABLE.md counts with "
               "no aborted fault" + (" except as listed below" if failures else "") + ".\n")
    out.append("| circuit | " + " | ".join(f"{what} {r}" for what in ("seconds", "conflicts", "patterns")
                                          for r in RANKERS) + " |")
    out.append("|---|" + "---:|" * (3 * len(RANKERS)))
    for row in effect:
        cells = [f"{row[r]['seconds']['total']:.2f}" for r in RANKERS]
        cells += [str(row[r]["sat_conflicts"]) for r in RANKERS]
        cells += [str(row[r]["patterns"]) for r in RANKERS]
        out.append(f"| {row['circuit']} | " + " | ".join(cells) + " |")
    out.append("| **total** | " + " | ".join(
        [f"{totals[r][0]:.1f}" for r in RANKERS] + [str(totals[r][1]) for r in RANKERS]
        + [str(totals[r][2]) for r in RANKERS]) + " |")
    out.append("")
    if cost:
        f, p, in_run, total, none_total = cost
        out.append("## Inference cost\n")
        out.append(f"s38584.1: `atpg rank` computes the features in {f:.3f} s and the predictions in {p:.3f} s "
                   f"(the {KINDS[0]} model of its fold); inside `atpg run --ranker model` ranking took {in_run:.3f} s of "
                   f"{total:.2f} s ({100 * in_run / total:.1f}%; the `--ranker none` run took {none_total:.2f} s).\n")
    if failures:
        out.append("## Failures\n")
        out.extend(f"- {x}" for x in failures)
        out.append("")
    if partial:
        out.append("(Partial: the run was still going when this was written.)\n")
    text = "\n".join(out)
    with open(args.out, "w") as f:
        f.write(text)
    if not partial:
        print(text)


if __name__ == "__main__":
    main()
