"""MinHash signatures over numpy arrays (pipeline/dedup/signatures.py, shingles.py, sketch.py).

The matrix path must give exactly what datasketch's own MinHash gives for the same input, so
the signatures are datasketch signatures and the recorded scheme stays true.
"""

from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash

from pipeline.config import load_config
from pipeline.dedup.shingles import shingle_hashes, shingles, word_hashes, words
from pipeline.dedup.signatures import MINHASH_SCHEME, lean, signature_matrix
from pipeline.dedup.sketch import shingle_set, sketch_docs
from pipeline.models import Doc, split_lines

CFG = load_config().dedup
TEXT = ("The city council approved a new budget on Monday after a debate that lasted well past "
        "midnight, and the mayor said the city council would meet again on Monday.")


def test_signature_matrix_equals_datasketch_update_batch() -> None:
    rng = np.random.default_rng(7)
    sets = [np.unique(rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64)) for n in (1, 2, 17, 0, 500, 40000)]
    for num_perm, seed in ((128, 1), (64, 5)):
        got = signature_matrix(sets, num_perm, seed)
        for s, row in zip(sets, got, strict=True):
            m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme=MINHASH_SCHEME)
            m.update_batch([int(x) & 0xFFFFFFFF for x in s])  # the low 32 bits are the input
            assert np.array_equal(np.asarray(m.hashvalues), row)


def test_lean_minhash_round_trip_keeps_the_values() -> None:
    row = signature_matrix([shingle_set(words(TEXT), 5)], 128, 1)[0]
    sig = lean(row, 1)
    buf = bytearray(sig.bytesize("<"))
    sig.serialize(buf, "<")
    back = LeanMinHash.deserialize(bytes(buf), "<")
    assert back.scheme == MINHASH_SCHEME and np.array_equal(np.asarray(back.hashvalues), row)


def test_shingle_hashes_follow_the_shingle_strings() -> None:
    ws = words(TEXT)
    for k in (1, 2, 5, 40):
        hashes = shingle_hashes(word_hashes(ws), k)
        # One hash per shingle position; equal shingles (and only those) share a hash.
        strings = [" ".join(ws[i:i + k]) for i in range(max(1, len(ws) - k + 1))]
        assert len(hashes) == len(strings)
        assert len(set(hashes.tolist())) == len(set(strings)) == len(shingles(TEXT, k))
        first = {}
        for s, h in zip(strings, hashes.tolist(), strict=True):
            assert first.setdefault(s, h) == h


def test_shingle_hash_depends_on_word_order_and_shingle_size() -> None:
    a, b = word_hashes(["one", "two"]), word_hashes(["two", "one"])
    assert shingle_hashes(a, 2)[0] != shingle_hashes(b, 2)[0]
    assert shingle_hashes(a, 2)[0] != shingle_hashes(a, 5)[0] or len(a) < 5  # a short text is one shingle
    assert shingle_hashes(a, 1).tolist() != shingle_hashes(a, 2).tolist()


def test_sketches_are_deterministic_and_do_not_depend_on_shard_composition() -> None:
    docs = [Doc(id=f"d{i}", source="", sha256="", size=0,
                lines=split_lines(TEXT.replace("Monday", day))) for i, day in enumerate(["Monday", "Friday", "May"])]
    alone = [sketch_docs([d], CFG)[0] for d in docs]
    together = sketch_docs(docs, CFG)
    for x, y in zip(alone, together, strict=True):
        assert x.id == y.id and x.digest == y.digest and x.words == y.words
        assert np.array_equal(x.signature, y.signature) and np.array_equal(x.shingles, y.shingles)
    assert not np.array_equal(together[0].shingles, together[1].shingles)
