"""Train the boilerplate line scorer from the labelled dev suites and print how it generalises.

    python tools/train_lines.py [--eval ../shared/eval] [--folds 5] [--out pipeline/clean/models/lines-v1.json]

Reads dev/leak and dev/web (each truth line labelled content / junk / ignore / title / meta;
`title` and `meta` lines belong to the structure stage and, like `ignore`, are neither trained
on nor scored). Each page goes through decode and encoding as in the pipeline, then the
boilerplate passes up to the model give each line its inputs (linefeatures.py). A
gradient-boosted classifier (scikit-learn) learns P(junk); the trees are exported as JSON for
linemodel.py.

Generalisation is measured by cross-validation grouped by site (`domain`): no site has pages
on both sides. Each held-out fold is cleaned as one batch (its recurring lines are counted
over the fold) by the real boilerplate stage with the fold's model, and scored the way
../shared/eval/score.py scores leak and web. The table is printed per fold and pooled, for
several thresholds, beside the plain dev score (trained and scored on everything).
Deterministic: fixed seeds, sorted inputs. Needs the `train` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.clean.boilerplate import (
    _batch_recurring,
    _phrase_rules,
    _start,
    feature_matrix,
    removed_shares,
    strip_to_fixpoint,
)
from pipeline.clean.linefeatures import FEATURES
from pipeline.clean.linefreq import merge_counts, recurring_keys, shard_counts
from pipeline.clean.linemodel import LineModel, from_dict
from pipeline.config import BoilerplateConfig, load_config
from pipeline.models import Doc
from pipeline.stages import decode, encoding

VERSION = "lines-v1"
SEED = 0
PARAMS = {"max_iter": 150, "max_depth": 6, "learning_rate": 0.1, "min_samples_leaf": 40,
          "l2_regularization": 1.0, "max_bins": 255}
THRESHOLDS = (0.9, 0.95)
METRICS = ("prose_kept", "short_kept", "junk_removed", "junk_after_removed", "junk_body_removed",
           "junk_before_removed")


@dataclasses.dataclass
class Page:
    suite: str
    id: str
    domain: str
    lines: list  # pipeline Lines after decode + encoding
    truth: list[dict]  # the truth lines


def load_pages(root: Path, key) -> list[Page]:
    cfg = load_config(model=False)
    pages = []
    for suite in ("leak", "web"):
        base = root / "dev" / suite
        for raw in open(base / "truth.jsonl", encoding="utf-8"):
            t = json.loads(raw)
            data = (base / "input" / f"{t['id']}.txt").read_bytes()
            doc = decode(Doc(id=t["id"], source=f"{t['id']}.txt", sha256="", size=len(data)), data, cfg)
            if doc.status == "kept":
                doc = encoding(doc, cfg)
            pages.append(Page(suite, t["id"], t.get("domain") or t["id"], doc.lines, t["lines"]))
    return pages


def labels_for(page: Page, key) -> dict[str, str]:
    """Line key -> label; a text labelled two ways is left out."""
    out: dict[str, str] = {}
    for r in page.truth:
        k = key(r["text"])
        if not k:
            continue
        lab = r["label"] if r["label"] in ("content", "junk") else "skip"
        out[k] = lab if out.get(k, lab) == lab else "skip"
    return out


def batch_recurring(pages: list[Page], cfg: BoilerplateConfig) -> dict[str, frozenset[str]]:
    from pipeline.clean.boilerplate import freq_settings
    counts = shard_counts(((p.id, p.lines) for p in pages), freq_settings(cfg))
    rec = recurring_keys(merge_counts([counts]), cfg.recurring_min_stories)
    return {src: frozenset(keys) for src, keys in rec.items()}


def page_rows(page: Page, cfg: BoilerplateConfig, recurring, key) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and labels (1 junk, 0 content, -1 not scored) of a page's non-blank lines."""
    p = _start(page.lines, cfg, recurring.get("", frozenset()), {})
    _phrase_rules(p)
    _batch_recurring(p)
    x = feature_matrix(p)
    labs = labels_for(page, key)
    y = np.array([{"junk": 1, "content": 0}.get(labs.get(key(r.text), "skip"), -1) for r in p.rows], dtype=np.int8)
    return x, y


def without(page: Page, key, drop) -> Page:
    """The page with the lines whose truth record satisfies `drop` taken out."""
    gone = {key(r["text"]) for r in page.truth if drop(r)}
    return dataclasses.replace(page, lines=[ln for ln in page.lines if ln.blank or key(ln.text) not in gone])


def states(page: Page, key) -> list[Page]:
    """The page as the model meets it in the stage's rounds: raw, with the trailing junk gone,
    and clean (every junk line gone). strip_to_fixpoint scores a document again after each
    round's removals, so the model must also know what a cleaned article's last paragraph
    looks like, or it would wear the article away from its end, round after round."""
    return [page, without(page, key, lambda r: r["label"] == "junk" and r.get("where") == "after"),
            without(page, key, lambda r: r["label"] == "junk")]


def dataset(pages: list[Page], cfg: BoilerplateConfig, key) -> tuple[np.ndarray, np.ndarray]:
    rec = batch_recurring(pages, cfg)
    xs, ys = [], []
    for page in pages:
        for view in states(page, key):
            x, y = page_rows(view, cfg, rec, key)
            xs.append(x[y >= 0])
            ys.append(y[y >= 0])
    return np.concatenate(xs), np.concatenate(ys)


def fit(x: np.ndarray, y: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(early_stopping=False, random_state=SEED, **PARAMS).fit(x, y)


def export(clf, version: str, trained: dict) -> dict:
    """The fitted trees as plain arrays; inner nodes get the count-weighted mean of their leaves."""
    trees, depth = [], 0
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        value = nodes["value"].astype(float).copy()
        count = nodes["count"].astype(float)
        leaf = nodes["is_leaf"].astype(bool)
        # Children always come after their parent, so one backward sweep fills inner nodes.
        for i in range(len(nodes) - 1, -1, -1):
            if not leaf[i]:
                lo, hi = int(nodes["left"][i]), int(nodes["right"][i])
                value[i] = (value[lo] * count[lo] + value[hi] * count[hi]) / max(1.0, count[lo] + count[hi])
        depth = max(depth, int(nodes["depth"].max()))
        trees.append({"feature": nodes["feature_idx"].astype(int).tolist(),
                      "threshold": [float(t) for t in nodes["num_threshold"]],
                      "left": nodes["left"].astype(int).tolist(), "right": nodes["right"].astype(int).tolist(),
                      "value": [round(float(v), 7) for v in value], "leaf": leaf.astype(int).tolist()})
    return {"version": version, "features": list(FEATURES), "baseline": float(clf._baseline_prediction.ravel()[0]),
            "max_depth": depth, "trees": trees, "trained": trained}


def clean_page(page: Page, cfg: BoilerplateConfig, recurring, model: LineModel | None) -> list[str]:
    """What the boilerplate stage keeps of a page (the safety valve included)."""
    memo: dict = {}
    kept, removals = strip_to_fixpoint(page.lines, cfg, recurring.get("", frozenset()), memo, model)
    if removals and not any(not ln.blank for ln in kept):
        return []
    chars, prose = removed_shares(page.lines, removals, cfg, memo)
    if chars > cfg.max_removed_share or prose > cfg.max_removed_prose_share:
        kept = page.lines
    return [ln.text for ln in kept if not ln.blank]


def tally(page: Page, kept: list[str], key, acc: collections.Counter) -> None:
    """score.py's leak/web counts for one page (title, meta and ignore lines not counted)."""
    keys = {key(t) for t in kept}
    full = key(" ".join(kept))
    for r in page.truth:
        if r["label"] not in ("content", "junk"):
            continue
        k = key(r["text"])
        if not k:
            continue
        on = k in keys or (len(k) >= 40 and k in full)
        if r["label"] == "content":
            size = "prose" if len(r["text"].split()) >= 10 else "short"
            acc[size] += 1
            acc[size + "_kept"] += on
        else:
            acc[f"junk_{r['where']}"] += 1
            acc[f"junk_{r['where']}_removed"] += not on


def metrics(acc: collections.Counter) -> dict[str, float]:
    out = {"prose_kept": acc["prose_kept"] / max(1, acc["prose"]),
           "short_kept": acc["short_kept"] / max(1, acc["short"])}
    junk = sum(acc[f"junk_{w}"] for w in ("after", "body", "before"))
    out["junk_removed"] = sum(acc[f"junk_{w}_removed"] for w in ("after", "body", "before")) / max(1, junk)
    for w in ("after", "body", "before"):
        out[f"junk_{w}_removed"] = acc[f"junk_{w}_removed"] / max(1, acc[f"junk_{w}"])
    return out


def row(name: str, m: dict[str, float]) -> str:
    return f"{name:<28}" + "".join(f"{m[k]:>9.4f}" for k in METRICS)


HEADER = f"{'':<28}" + "".join(f"{k.replace('_removed', '').replace('junk_', 'j_'):>9}" for k in METRICS)


def evaluate(pages: list[Page], cfg: BoilerplateConfig, model: LineModel | None, thresholds, key,
             acc: dict[tuple[float, str], collections.Counter]) -> None:
    rec = batch_recurring(pages, cfg)
    for thr in thresholds:
        c = dataclasses.replace(cfg, model_threshold=thr)
        for page in pages:
            tally(page, clean_page(page, c, rec, model), key, acc[(thr, page.suite)])


def folds_by_site(pages: list[Page], k: int) -> list[list[int]]:
    """Sites dealt to k folds, largest first, each to the fold with the fewest pages so far."""
    sites = collections.Counter(p.domain for p in pages)
    load = [0] * k
    fold_of = {}
    for site, n in sorted(sites.items(), key=lambda kv: (-kv[1], kv[0])):
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[site] = f
        load[f] += n
    return [[i for i, p in enumerate(pages) if fold_of[p.domain] == f] for f in range(k)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", default="../shared/eval", type=Path)
    ap.add_argument("--folds", default=3, type=int)
    here = Path(__file__).resolve().parent.parent
    ap.add_argument("--out", default=here / "pipeline/clean/models" / f"{VERSION}.json", type=Path)
    ap.add_argument("--no-cv", action="store_true", help="train and write the model only")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.eval))
    from textnorm import key  # the scorer's own line normalisation

    t0 = time.time()
    base = dataclasses.replace(load_config(model=False).boilerplate, model="")
    pages = load_pages(args.eval, key)
    print(f"{len(pages)} pages, {len({p.domain for p in pages})} sites ({time.time() - t0:.0f} s)", flush=True)
    chosen = load_config(model=False).boilerplate.model_threshold
    thresholds = tuple(sorted({*THRESHOLDS, chosen}))
    if not args.no_cv:
        folds = folds_by_site(pages, args.folds)
        pooled: dict = collections.defaultdict(collections.Counter)
        rules_only: dict = collections.defaultdict(collections.Counter)
        per_fold = []
        for f, test in enumerate(folds):
            held = set(test)
            train = [p for i, p in enumerate(pages) if i not in held]
            x, y = dataset(train, base, key)
            model = from_dict(export(fit(x, y), VERSION, {}))
            acc: dict = collections.defaultdict(collections.Counter)
            tests = [pages[i] for i in test]
            evaluate(tests, base, model, thresholds, key, acc)
            evaluate(tests, base, None, (1.0,), key, rules_only)
            for kk, v in acc.items():
                pooled[kk].update(v)
            per_fold.append(acc)
            print(f"fold {f}: {len(tests)} pages, {len({p.domain for p in tests})} sites, "
                  f"{len(y)} training lines ({time.time() - t0:.0f} s)", flush=True)
        print("\nSite-grouped cross-validation, pooled over folds (rows: threshold / suite)")
        print(HEADER)
        r = rules_only
        print(row("rules only  leak", metrics(r[(1.0, "leak")])))
        print(row("rules only  web", metrics(r[(1.0, "web")])))
        print(row("rules only  pooled", metrics(r[(1.0, "leak")] + r[(1.0, "web")])))
        for thr in thresholds:
            for suite in ("leak", "web"):
                print(row(f"t={thr:<5} {suite}", metrics(pooled[(thr, suite)])))
            print(row(f"t={thr:<5} pooled", metrics(pooled[(thr, "leak")] + pooled[(thr, "web")])))
        print(f"\nPer fold at the configured threshold {chosen} (leak+web)")
        print(HEADER)
        for f, acc in enumerate(per_fold):
            if (chosen, "leak") in acc or (chosen, "web") in acc:
                print(row(f"fold {f}", metrics(acc[(chosen, "leak")] + acc[(chosen, "web")])))
    x, y = dataset(pages, base, key)
    clf = fit(x, y)
    data = export(clf, VERSION, {"lines": int(len(y)), "junk": int(y.sum()), "pages": len(pages),
                                 "sites": len({p.domain for p in pages}), "params": PARAMS, "seed": SEED,
                                 "suites": ["dev/leak", "dev/web"]})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} ({args.out.stat().st_size // 1024} KB, {len(data['trees'])} trees)")
    model = from_dict(data)
    plain: dict = collections.defaultdict(collections.Counter)
    for suite in ("leak", "web"):  # each suite is its own batch, as in a pipeline run on it
        evaluate([p for p in pages if p.suite == suite], base, model, (chosen,), key, plain)
    print(f"\nPlain dev score at threshold {chosen} (trained and scored on the same pages: in-sample)")
    print(HEADER)
    for suite in ("leak", "web"):
        print(row(f"t={chosen:<5} {suite}", metrics(plain[(chosen, suite)])))
    print(row(f"t={chosen:<5} pooled", metrics(plain[(chosen, "leak")] + plain[(chosen, "web")])))
    print(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
