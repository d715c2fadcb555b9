"""The batch-level recurring-line evidence through the real pipeline (Luigi corpus task) and
through `explain --batch`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SEEDS, load_jsonl, run_cli

TEMPLATE = "Stay with the Daily Example for more"
BODIES = [
    "The council approved the new budget on Monday after a long debate about school funding and roads.",
    "Heavy rain flooded several streets in the old town overnight, and two bridges were closed for repairs.",
    "The local football club signed a new striker from a rival team, ending weeks of speculation in the press.",
    "A new library branch opens next month in the north of the city, with longer hours and a larger reading room.",
    "Farmers in the valley expect a smaller harvest this year because of the dry spring and an early frost.",
]


def write_batch(root: Path) -> Path:
    src = root / "in" / "example.com"
    src.mkdir(parents=True)
    for i, body in enumerate(BODIES):
        (src / f"story{i}.txt").write_text(f"{body}\n{BODIES[(i + 1) % len(BODIES)]}\n{TEMPLATE}\n",
                                           encoding="utf-8")
    return root / "in"


def test_run_removes_line_recurring_across_stories_of_one_source(tmp_path: Path) -> None:
    inp = write_batch(tmp_path)
    out = tmp_path / "out"
    run_cli("run", "--input", str(inp), "--output", str(out))
    arts = load_jsonl(out / "articles.jsonl")
    assert len(arts) == len(BODIES)
    for art in arts:
        assert TEMPLATE not in art["text"]
        assert [r["rule"] for r in art["removed"]] == ["corpus.recurring-line@1"]
        assert art["text"].startswith(BODIES[int(art["id"][-1])])
    # The corpus task's outputs are where tasks.py says they are, and a rerun does nothing.
    assert list((out / ".work" / "linefreq").glob("*.json"))
    again = run_cli("run", "--input", str(inp), "--output", str(out))
    assert "up to date" in again.stdout


def test_explain_lists_each_removal_with_rule_and_uses_batch_when_given(tmp_path: Path) -> None:
    inp = write_batch(tmp_path)
    one = inp / "example.com" / "story0.txt"
    alone = run_cli("explain", "--no-batch", str(one)).stdout
    assert TEMPLATE not in alone  # one document alone has no batch evidence
    batch = run_cli("explain", str(one), "--batch", str(inp)).stdout
    assert "[boilerplate corpus.recurring-line@1] @" in batch and TEMPLATE in batch
    # By default explain counts over the file's own folder, as `run --input` on it would.
    default = run_cli("explain", str(one)).stdout
    assert "[boilerplate corpus.recurring-line@1] @" in default and TEMPLATE in default
    seed = run_cli("explain", str(SEEDS / "002_ee95ae7b2f334040.txt")).stdout
    assert "[boilerplate comments.leave-a-reply@3]" in seed and "LEAVE A REPLY" in seed
    assert "comment section heading" in seed  # the rule's reason is shown beside the line
