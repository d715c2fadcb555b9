"""`explain` matches `run` (batch-recurring lines included); `show` on a duplicate prints its
own text; both, with `stats`, speak JSON with --json."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import load_jsonl, run_cli

FOOTER = "Harbourside Gazette weekly edition"
TOPICS = ["harbour dredging", "orchard frost", "rail strike", "museum reopening", "bridge repairs"]


@pytest.fixture(scope="module")
def footer_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Five stories from one site that share a footer line no rule names: only counting the
    batch removes it (corpus.recurring-line)."""
    root = tmp_path_factory.mktemp("footer")
    inp = root / "in" / "gazette"
    inp.mkdir(parents=True)
    for i, topic in enumerate(TOPICS):
        (inp / f"story-{i}.txt").write_text(
            f"{topic.title()} report\n\nA distinct story about {topic}, long enough to be read as the article "
            f"itself and sharing nothing with the others but the footer below it.\n\n{FOOTER}\n", encoding="utf-8")
    run_cli("run", "--input", str(root / "in"), "--output", str(root / "out"), "-q")
    return root / "in", root / "out"


def _removed(obj: dict) -> list[tuple[str, int, int]]:
    return sorted((r["rule"], r["start"], r["end"]) for r in obj["removed"])


def test_explain_removes_batch_recurring_lines_like_run(footer_batch: tuple[Path, Path]) -> None:
    inp, out = footer_batch
    article = next(a for a in load_jsonl(out / "articles.jsonl") if a["id"] == "gazette/story-0")
    assert any(r["rule"].startswith("corpus.recurring-line") for r in article["removed"])
    story = inp / "gazette" / "story-0.txt"
    via_corpus = json.loads(run_cli("explain", str(story), "--corpus", str(out), "--json").stdout)
    via_batch = json.loads(run_cli("explain", str(story), "--batch", str(inp), "--json").stdout)
    for got in (via_corpus, via_batch):
        assert got["id"] == "gazette/story-0"
        assert _removed(got) == _removed(article) and got["text"] == article["text"]
    assert "the run that wrote" in via_corpus["recurring_lines"]
    # By default the file's folder is the batch, as `run --input` on that folder would count it.
    default = run_cli("explain", str(story)).stdout
    assert f"counted over {story.parent}" in default
    assert "corpus.recurring-line" in default and FOOTER in default
    alone = json.loads(run_cli("explain", str(story), "--no-batch", "--json").stdout)
    assert FOOTER in alone["text"] and not any(r["rule"].startswith("corpus.") for r in alone["removed"])


def test_explain_json_carries_rules_and_reasons() -> None:
    from tests.conftest import SEEDS

    got = json.loads(run_cli("explain", str(SEEDS / "000_2cb9e80f71fff0a9.txt"), "--json").stdout)
    assert got["status"] == "kept" and got["text"]
    rules = {r["rule"]: r for r in got["removed"]}
    assert "promo.also-read@1" in rules and rules["promo.also-read@1"]["why"]
    assert all(set(r) == {"stage", "rule", "text", "start", "end", "why"} for r in got["removed"])


def test_explain_help_has_a_description_and_examples() -> None:
    out = run_cli("explain", "--help").stdout
    assert "Clean one input file as `run` would" in out and "--corpus" in out and "--no-batch" in out
    assert "examples:" in out and "newsclean explain" in out


def test_explain_errors_name_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Hello\n\nSome text.\n", encoding="utf-8")
    res = run_cli("explain", str(tmp_path / "a.txt"), "--corpus", str(tmp_path), check=False)
    assert res.returncode == 3 and "--batch" in res.stderr and "Traceback" not in res.stderr


def test_show_duplicate_prints_its_own_text_and_a_hint_that_works(footer_batch: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    from tests.report.corpora import mixed_input

    out = tmp_path / "mixed"
    run_cli("run", "--input", str(mixed_input(tmp_path / "in")), "--output", str(out), "-q")
    shown = run_cli("show", "copies/001_copy", "--corpus", str(out)).stdout
    assert shown.startswith("copies/001_copy  duplicate")
    kept = next(a for a in load_jsonl(out / "articles.jsonl") if a["id"] == "001_8daedd7ade3504a8")
    first = kept["text"].split("\n\n")[0]
    assert first in shown  # its own text (an exact copy: the same words as the kept article)
    hint = next(line for line in shown.splitlines() if line.startswith("the kept article: "))
    command = shlex.split(hint.removeprefix("the kept article: "))
    assert command[:2] == ["newsclean", "show"] and "--corpus" in command
    again = run_cli(*command[1:]).stdout
    assert again.startswith("001_8daedd7ade3504a8  kept")
    as_json = json.loads(run_cli("show", "copies/001_copy", "--corpus", str(out), "--json").stdout)
    assert as_json["document"]["status"] == "duplicate" and as_json["article"]["text"] == kept["text"]
    kept_json = json.loads(run_cli("show", "001_8daedd7ade3504a8", "--corpus", str(out), "--json").stdout)
    assert kept_json["article"] == kept and [d["id"] for d in kept_json["duplicates"]] == ["copies/001_copy"]
    rejected = json.loads(run_cli("show", "bin", "--corpus", str(out), "--json").stdout)
    assert rejected["document"]["status"] == "rejected" and rejected["article"] is None
    # Without the run's work files the text cannot be had: say so, still exit 0.
    shutil.rmtree(out / ".work")
    gone = run_cli("show", "copies/001_copy", "--corpus", str(out)).stdout
    assert "not available" in gone and "--corpus" in gone


def test_show_hint_for_a_copy_of_an_earlier_batch_names_that_batch(tmp_path: Path) -> None:
    from tests.conftest import SEEDS

    first, second = tmp_path / "day1", tmp_path / "day2"
    (second / "in").mkdir(parents=True)
    shutil.copy(SEEDS / "001_8daedd7ade3504a8.txt", second / "in" / "copy.txt")
    (second / "in" / "fresh.txt").write_text("Fresh\n\nA story of its own that nothing earlier printed, told in "
                                             "enough words to stand as an article.\n", encoding="utf-8")
    index = tmp_path / "index"
    run_cli("run", "--input", str(SEEDS), "--output", str(first / "out"), "--index", str(index), "-q")
    run_cli("run", "--input", str(second / "in"), "--output", str(second / "out"), "--index", str(index), "-q")
    shown = run_cli("show", "copy", "--corpus", str(second / "out")).stdout
    assert shown.startswith("copy  duplicate")
    hint = next(line for line in shown.splitlines() if line.startswith("the kept article: "))
    command = shlex.split(hint.removeprefix("the kept article: "))
    assert command == ["newsclean", "show", "001_8daedd7ade3504a8", "--corpus", str((first / "out").resolve())]
    assert run_cli(*command[1:]).stdout.startswith("001_8daedd7ade3504a8  kept")
