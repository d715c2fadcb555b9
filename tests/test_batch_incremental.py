"""Incremental and idempotent runs: what a rerun, new files and a changed setting re-run.

Work is counted by the files it leaves: every shard task writes one output named
`SHARD-MEMBERS...` under `.work/STAGE/FINGERPRINT/`, so a task that ran shows up as a file
that was not there before (outputs are never rewritten in place).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.corpus import CLEAN_LIST
from pipeline.io import doc_id, shard_of
from tests.batch_support import contract_files, make_corpus, run, set_key, shard_outputs, small_config, snapshot

SHARDS = 8


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """One finished run (input, output, config) that each test copies before changing it."""
    root = tmp_path_factory.mktemp("batch-base")
    inp = make_corpus(root / "in")
    cfg = small_config(root / "cfg", shards=SHARDS)
    run(inp, root / "out", cfg)
    return inp, root / "out", cfg


def _copy(base: tuple[Path, Path, Path], tmp: Path) -> tuple[Path, Path, Path]:
    inp, out, cfg = base
    shutil.copytree(inp, tmp / "in")
    shutil.copytree(cfg.parent, tmp / "cfg")
    shutil.copytree(out, tmp / "out")
    # The run key names the input folder, so the copy re-writes its corpus once (every shard
    # output is reused); the tests start from that settled state.
    run(tmp / "in", tmp / "out", tmp / "cfg" / "pipeline.toml")
    return tmp / "in", tmp / "out", tmp / "cfg" / "pipeline.toml"


def _new(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[int]]:
    """Shard numbers whose output appeared, per stage."""
    return {stage: {int(Path(p).name[:5]) for p in files - before.get(stage, set())}
            for stage, files in after.items() if files - before.get(stage, set())}


def test_rerun_does_no_work_and_changes_no_file(base: tuple[Path, Path, Path], tmp_path: Path) -> None:
    inp, out, cfg = _copy(base, tmp_path)
    before = snapshot(out)
    res = run(inp, out, cfg)
    assert "nothing to do" in res.stdout
    assert snapshot(out) == before  # no file written, touched, added or removed, .work included


def test_added_files_rerun_only_their_shards(base: tuple[Path, Path, Path], tmp_path: Path) -> None:
    inp, out, cfg = _copy(base, tmp_path)
    before_files, before_work = snapshot(out), shard_outputs(out)
    added = ["late/evening-update.txt", "late/overnight.txt"]
    for rel in added:  # a source ("late/") of their own
        (inp / rel).parent.mkdir(parents=True, exist_ok=True)
        (inp / rel).write_text(f"{rel} headline\n\nA wholly new story about {rel}, with enough words "
                               "to be an article of its own and not a copy of anything else here.\n")
    touched = {shard_of(doc_id(rel), SHARDS) for rel in added}
    assert len(touched) < SHARDS  # otherwise the test could not tell shards apart

    run(inp, out, cfg)
    new = _new(before_work, shard_outputs(out))
    # The new files come from a source of their own, so they make no line of another shard
    # recurring: every per-shard stage re-runs in the shards the new files landed in, no other.
    for stage in ("decode", "encoding", "linecounts", "boilerplate", "repeats", "signatures"):
        assert new[stage] == touched, stage
    # Nothing that existed was rewritten: reruns add outputs under new names, never in place.
    # (The corpus writer's list of the clean/ files it wrote is rewritten with the corpus.)
    after = snapshot(out)
    for rel, stamp in before_files.items():
        if rel.startswith(".work/") and not rel.endswith(".lock") and rel != f".work/{CLEAN_LIST}":
            assert after.get(rel) == stamp, rel
    ids = {line.split('"id":"', 1)[1].split('"', 1)[0] for line in
           (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    assert {doc_id(rel) for rel in added} <= ids


def test_added_files_give_the_same_corpus_as_a_fresh_run(base: tuple[Path, Path, Path], tmp_path: Path) -> None:
    inp, out, cfg = _copy(base, tmp_path)
    (inp / "extra.txt").write_text("Extra\n\nOne more distinct story for the incremental run to pick up.\n",
                                   encoding="utf-8")
    run(inp, out, cfg)
    run(inp, tmp_path / "fresh", cfg)
    assert contract_files(out) == contract_files(tmp_path / "fresh")


@pytest.mark.parametrize(("section", "key", "value", "rerun", "reused"), [
    # Only the corpus-level clustering reads the thresholds: no shard task re-runs.
    ("dedup", "jaccard", "0.7", set(), {"decode", "encoding", "boilerplate", "repeats", "signatures"}),
    # Shingle size shapes the signatures, not the cleaning.
    ("dedup", "shingle_words", "4", {"signatures"}, {"decode", "encoding", "boilerplate", "repeats"}),
    # Titles are found by the structure stage; what comes before it is reused, and line counts
    # (taken on the structure stage's output) are counted again.
    ("structure", "title_max_words", "5", {"structure", "linecounts", "boilerplate", "repeats", "signatures"},
     {"decode", "encoding"}),
    # Line counts are written by the task before boilerplate in a fresh run, but have settings
    # of their own: changing one re-counts without re-encoding. The structure stage reads the
    # boilerplate section (its rules name page furniture), so it re-runs too.
    ("boilerplate", "recurring_max_words", "6",
     {"structure", "linecounts", "boilerplate", "repeats", "signatures"}, {"decode", "encoding"}),
])
def test_changed_setting_reruns_exactly_what_reads_it(base: tuple[Path, Path, Path], tmp_path: Path,
                                                     section: str, key: str, value: str,
                                                     rerun: set[str], reused: set[str]) -> None:

    inp, out, cfg = _copy(base, tmp_path)
    before = shard_outputs(out)
    cfg.write_text(set_key(cfg.read_text(encoding="utf-8"), section, key, value), encoding="utf-8")
    res = run(inp, out, cfg)
    assert "nothing to do" not in res.stdout
    new = _new(before, shard_outputs(out))
    assert set(new) == rerun
    for stage in rerun:
        assert new[stage] == set(range(SHARDS)) & {int(Path(p).name[:5]) for p in before[stage]}
    assert not reused & set(new)
    # And the result is what a fresh run with the new setting gives.
    run(inp, tmp_path / "fresh", cfg)
    assert contract_files(out) == contract_files(tmp_path / "fresh")


def test_new_files_that_make_an_old_line_recurring_rerun_its_shard(base: tuple[Path, Path, Path],
                                                                   tmp_path: Path) -> None:
    """Recurring lines are a corpus-level fact: when new files push a line of an existing
    document over the threshold, that document's shard re-runs from boilerplate on (and only
    from there), and the corpus equals a fresh run's."""
    inp, out, cfg = _copy(base, tmp_path)
    footer = "Harbourside Gazette weekly edition"

    def story(name: str, topic: str) -> None:
        (inp / f"{name}.txt").write_text(
            f"{topic.title()} report\n\nA distinct story about {topic}, long enough to be read as the "
            f"article itself and sharing nothing with the others but the footer below it.\n\n{footer}\n",
            encoding="utf-8")

    story("first-wire", "harbour dredging")
    run(inp, out, cfg)
    assert footer in (out / "articles.jsonl").read_text(encoding="utf-8").split('"id":"first-wire"')[1]
    first_shard = shard_of("first-wire", SHARDS)
    before = shard_outputs(out)
    later = ["zz-wire-a", "zz-wire-b", "zz-wire-c"]
    for name, topic in zip(later, ["orchard frost", "rail strike", "museum reopening"], strict=True):
        story(name, topic)
    run(inp, out, cfg)
    new = _new(before, shard_outputs(out))
    touched = {shard_of(n, SHARDS) for n in later}
    assert new["decode"] == touched
    assert first_shard in new["boilerplate"]
    assert new["boilerplate"] <= touched | {first_shard}
    run(inp, tmp_path / "fresh", cfg)
    assert contract_files(out) == contract_files(tmp_path / "fresh")
    import json

    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    wire = [a for a in articles if a["id"] == "first-wire" or a["id"] in later]
    assert len(wire) == 4 and all(footer not in a["text"] for a in wire)
    assert all(r["rule"].startswith("corpus.recurring-line") for a in wire for r in a["removed"]
               if r["stage"] != "structure")  # the headline line is the structure stage's
