"""LSH candidate pairs: the array path finds exactly the pairs of the one-dictionary-per-band form."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.dedup import candidates
from pipeline.dedup.candidates import _candidate_pairs_by_dict, candidate_pairs


def _signatures(seed: int, n: int = 400, perms: int = 32) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # MinHash values are minima, so small values are common: draw from a narrow range too, so
    # whole bands collide between unrelated documents as well as between planted copies.
    sigs = {f"d{i:04d}": rng.integers(0, 6 if i % 3 else 2**32, size=perms, dtype=np.uint64) for i in range(n)}
    ids = sorted(sigs)
    for k in range(0, n, 7):  # near-copies sharing some bands with another document
        copy = sigs[ids[k]].copy()
        copy[rng.integers(0, perms, size=3)] += 1
        sigs[f"c{k:04d}"] = copy
    for k in range(0, 30, 3):  # exact copies: buckets of three and more
        sigs[f"x{k:04d}"] = sigs[ids[k]].copy()
        sigs[f"y{k:04d}"] = sigs[ids[k]].copy()
    return sigs


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("bands", "rows"), [(8, 4), (16, 2), (4, 8), (32, 1)])
def test_array_path_equals_dictionary_path(seed: int, bands: int, rows: int) -> None:
    sigs = _signatures(seed)
    expected = _candidate_pairs_by_dict(sigs, bands, rows)
    assert expected  # the data plants buckets
    assert candidate_pairs(sigs, bands, rows) == expected


def test_hash_collisions_never_pair_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    # A multiplier of zero sends every row to the same hash: all grouping is by the row check.
    monkeypatch.setattr(candidates, "_MIX", np.uint64(0))
    sigs = _signatures(9)
    assert candidate_pairs(sigs, 8, 4) == _candidate_pairs_by_dict(sigs, 8, 4)


def test_unequal_or_short_signatures_fall_back() -> None:
    sigs = {"a": np.arange(8, dtype=np.uint64), "b": np.arange(8, dtype=np.uint64), "c": np.arange(4, dtype=np.uint64)}
    assert candidate_pairs(sigs, 2, 4) == _candidate_pairs_by_dict(sigs, 2, 4)
    same = {"a": np.arange(8, dtype=np.uint64), "b": np.arange(8, dtype=np.uint64)}
    assert candidate_pairs(same, 4, 4) == _candidate_pairs_by_dict(same, 4, 4) == [("a", "b")]
    assert candidate_pairs({"a": np.arange(8, dtype=np.uint64)}, 2, 4) == []
