"""The learned line scorer: gradient-boosted trees stored as JSON and evaluated with numpy.

The model is trained by `make train` (tools/train_lines.py, scikit-learn) and exported as plain
arrays, so the pipeline needs no learning library at run time. A file holds:

    {"version": "lines-v1", "features": [...], "baseline": float, "max_depth": int,
     "trees": [{"feature": [...], "threshold": [...], "left": [...], "right": [...],
                "value": [...], "leaf": [...]}, ...], "trained": {...}}

A line goes left at a node when its feature value is <= the threshold. `value` holds each
node's raw-score contribution; for an inner node it is the count-weighted mean of its leaves,
which is what `contributions` (Saabas path attribution) needs to say which inputs moved a
line's score. `probability` scores all lines of a document in one pass over all trees at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

MODELS = "pipeline.clean.models"


@dataclass(frozen=True, eq=False)
class LineModel:
    version: str
    features: tuple[str, ...]
    baseline: float
    depth: int
    feature: np.ndarray  # (nodes,) int32, over all trees
    threshold: np.ndarray  # (nodes,) float64 (+inf at leaves: a leaf points to itself)
    left: np.ndarray  # (nodes,) int32, global index
    right: np.ndarray
    value: np.ndarray  # (nodes,) float64
    roots: np.ndarray  # (trees,) int32
    digest: str  # of the file's bytes: the model's identity in stage fingerprints
    children: np.ndarray = dataclasses.field(default=None)  # type: ignore[assignment]  # (2*nodes,): left, right

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", np.stack([self.left, self.right], axis=1).ravel())

    @property
    def model_id(self) -> str:
        """Versioned id for removal logs: "model.lines@1" for "lines-v1"."""
        name, _, ver = self.version.rpartition("-v")
        return f"model.{name}@{ver}"

    def _leaves(self, x: np.ndarray) -> np.ndarray:
        # All trees at once, one level per step; a leaf points to itself, so lines that reach a
        # leaf early stay there. Gathers go through the flattened matrix (cheaper than 2-D).
        n, width = x.shape
        flat = np.ascontiguousarray(x, dtype=np.float32).ravel()
        node = np.tile(self.roots, (n, 1))
        base = (np.arange(n, dtype=np.int64) * width)[:, None]
        for _ in range(self.depth):
            right = flat[base + self.feature[node]] > self.threshold[node]
            node = self.children[2 * node + right]
        return node

    def raw(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros(0)
        return self.baseline + self.value[self._leaves(x)].sum(axis=1)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(junk) for each row of `x` (columns in `features` order)."""
        return 1.0 / (1.0 + np.exp(-self.raw(x)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature raw-score contributions for each row of `x` (Saabas path attribution:
        each split on a line's path credits its feature with the change in node value); a
        row's contributions sum to its raw score minus the mean of the trees' roots."""
        n, width = x.shape[0], len(self.features)
        flat = np.ascontiguousarray(x, dtype=np.float32).ravel()
        node = np.tile(self.roots, (n, 1))
        base = (np.arange(n, dtype=np.int64) * width)[:, None]
        out = np.zeros(n * width)
        for _ in range(self.depth):
            cell = base + self.feature[node]
            child = self.children[2 * node + (flat[cell] > self.threshold[node])]
            out += np.bincount(cell.ravel(), weights=(self.value[child] - self.value[node]).ravel(),
                               minlength=n * width)  # 0 at leaves, which point to themselves
            node = child
        return out.reshape(n, width)

    def top_inputs(self, x: np.ndarray, k: int = 4) -> list[list[dict[str, float]]]:
        """For each row of `x`, the `k` inputs that moved its score most, with their values."""
        if k == 0 or x.shape[0] == 0:
            return [[] for _ in range(x.shape[0])]
        c = self.contributions(x)
        out = []
        for i in range(x.shape[0]):
            order = np.lexsort((np.arange(c.shape[1]), -np.abs(c[i])))[:k]
            out.append([{"input": self.features[j], "value": round(float(x[i, j]), 3),
                         "weight": round(float(c[i, j]), 3)} for j in order.tolist() if c[i, j] != 0])
        return out


def from_dict(data: dict, digest: str = "") -> LineModel:
    feats, thr, left, right, value, roots = [], [], [], [], [], []
    for tree in data["trees"]:
        base = len(feats)
        roots.append(base)
        for f, t, lo, hi, v, leaf in zip(tree["feature"], tree["threshold"], tree["left"], tree["right"],
                                         tree["value"], tree["leaf"], strict=True):
            i = len(feats)
            feats.append(0 if leaf else f)
            thr.append(np.inf if leaf else t)
            left.append(i if leaf else base + lo)
            right.append(i if leaf else base + hi)
            value.append(v)
    return LineModel(version=data["version"], features=tuple(data["features"]), baseline=float(data["baseline"]),
                     depth=int(data["max_depth"]), feature=np.asarray(feats, dtype=np.int32),
                     threshold=np.asarray(thr, dtype=np.float64), left=np.asarray(left, dtype=np.int32),
                     right=np.asarray(right, dtype=np.int32), value=np.asarray(value, dtype=np.float64),
                     roots=np.asarray(roots, dtype=np.int32), digest=digest)


def model_path(name: str) -> Path:
    return Path(str(resources.files(MODELS).joinpath(f"{name}.json")))


@lru_cache(maxsize=4)
def load_model(name: str) -> LineModel:
    """The packaged model `name` (e.g. "lines-v1"), read once per process."""
    path = model_path(name)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no line model named {name!r}; set [boilerplate] model to the name of a "
                                "file in pipeline/clean/models/ (or \"\" for none), or rebuild it with `make train`"
                                ) from None
    return from_dict(json.loads(blob), hashlib.sha256(blob).hexdigest()[:16])
