"""`newsclean show ID` and `newsclean stats` on a real corpus."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.report.corpora import build_mixed_run

SEED0 = "000_2cb9e80f71fff0a9"
ANSI = "\x1b["


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mixed_run(tmp_path_factory)


def test_show_piped_marks_removals_inline_without_colour(seed_run: Path) -> None:
    out = run_cli("show", SEED0, "--corpus", str(seed_run)).stdout
    assert ANSI not in out
    blocks = out.rstrip("\n").split("\n\n")
    also = next(i for i, b in enumerate(blocks) if "Also Read" in b)
    assert blocks[also].startswith("[-(boilerplate rule promo.also-read@") and blocks[also].endswith("-]")
    assert blocks[also + 1] == "Why it matters: An air defence upgrade for Ankara"
    assert blocks[also - 1].startswith("Turkey, a long-standing NATO member")
    repeated = [b for b in blocks if b.startswith("[-(repeated block, copy of @")]
    assert len(repeated) == 23 and "The proposed package includes 53" in repeated[0]
    tail = [b for b in blocks if b.strip()][-6:]
    assert tail[0].startswith("[-(boilerplate rule trailer.you-may-also-like@") and "You may also like-]" in tail[0]
    assert all(b.startswith("[-(boilerplate rule trailer.") for b in tail)
    # Everything kept is there too, unmarked.
    art = json.loads((seed_run / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert [b for b in blocks[1:] if not b.startswith("[-")] == art["text"].split("\n\n")


def test_show_encoding_fix_as_character_diff(seed_run: Path) -> None:
    out = run_cli("show", "002_ee95ae7b2f334040", "--corpus", str(seed_run)).stdout
    assert "INVC NEWS[-<U+00A0><U+00A0>-]{+ +}Washington" in out
    assert out.splitlines()[3].startswith("# US Approves $304 Million Missile Deal")


def test_show_colours_on_a_terminal_only(seed_run: Path) -> None:
    forced = run_cli("show", SEED0, "--corpus", str(seed_run), "--color", "always").stdout
    assert ANSI in forced and "[-(" not in forced
    # A real pseudo-terminal: auto mode must notice it.
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "show", SEED0, "--corpus", str(seed_run)],
                            stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    tty_out = b"".join(chunks).decode("utf-8")
    assert ANSI in tty_out and "You may also like" in tty_out and "[-(" not in tty_out
    no_color = subprocess.run([sys.executable, "-m", "pipeline", "show", SEED0, "--corpus", str(seed_run)],
                              capture_output=True, text=True, cwd=ROOT, env={**env, "NO_COLOR": "1"})
    assert ANSI not in no_color.stdout


def test_show_other_statuses_and_errors(mixed_run: Path, tmp_path: Path) -> None:
    dup = run_cli("show", "copies/001_copy", "--corpus", str(mixed_run)).stdout
    assert "duplicate" in dup and "001_8daedd7ade3504a8" in dup and "exact-duplicate" in dup
    rej = run_cli("show", "bin", "--corpus", str(mixed_run)).stdout
    assert "rejected" in rej and "binary" in rej
    canon = run_cli("show", "001_8daedd7ade3504a8", "--corpus", str(mixed_run)).stdout
    assert "duplicate: copies/001_copy (exact-duplicate" in canon
    missing = run_cli("show", "000_2cb9e80f71fff0a", "--corpus", str(mixed_run), check=False)
    assert missing.returncode == 2 and "did you mean 000_2cb9e80f71fff0a9" in missing.stderr
    nocorpus = run_cli("show", SEED0, "--corpus", str(tmp_path), check=False)
    assert nocorpus.returncode == 3 and "manifest.json" in nocorpus.stderr


def test_stats_prints_manifest_as_tables(mixed_run: Path) -> None:
    manifest = json.loads((mixed_run / "manifest.json").read_text(encoding="utf-8"))
    out = run_cli("stats", "--corpus", str(mixed_run)).stdout
    rows = {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}
    for status in ("kept", "duplicate", "rejected"):
        assert (status, str(manifest["counts"][status])) in rows
    assert ("total", str(manifest["counts"]["documents"])) in rows
    lines = out.splitlines()
    for stage, rules in manifest["removals"].items():
        for rule, n in rules.items():
            assert any(ln.split()[:3] == [stage, rule, str(n)] for ln in lines), (stage, rule)
    for reason, n in manifest["rejections"].items():
        assert any(ln.split() == [reason, str(n)] for ln in lines)
    assert manifest["run_key"] in out
    assert run_cli("stats", "--corpus", str(mixed_run / "nope"), check=False).returncode == 3


def test_stats_counts_characters_and_words_removed_per_stage_and_rule(mixed_run: Path) -> None:
    articles = [json.loads(line) for line in (mixed_run / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    # The one duplicate here is an exact copy with nothing removed, so the articles hold every removal.
    want: dict[tuple[str, str], list[int]] = {}
    for art in articles:
        for r in art["removed"]:
            size = want.setdefault((r["stage"], r["rule"]), [0, 0, 0])
            size[0] += 1
            size[1] += len(r["text"])
            size[2] += len(r["text"].split())
    assert want
    lines = run_cli("stats", "--corpus", str(mixed_run)).stdout.splitlines()
    for (stage, rule), (n, chars, words) in want.items():
        assert [stage, rule, str(n), str(chars), str(words)] in [ln.split() for ln in lines], (stage, rule)
    for stage in {s for s, _r in want}:
        total = [sum(v[i] for (s, _r), v in want.items() if s == stage) for i in range(3)]
        assert [stage, *map(str, total)] in [ln.split() for ln in lines], stage
    got = json.loads(run_cli("stats", "--corpus", str(mixed_run), "--json").stdout)
    assert got["manifest"] == json.loads((mixed_run / "manifest.json").read_text(encoding="utf-8"))
    assert {(s, r): [got["manifest"]["removals"][s][r], v["chars"], v["words"]]
            for s, rules in got["manifest"]["removed_text"].items() for r, v in rules.items()} == want
    assert set(got["seconds_per_stage"]) >= {"decode", "boilerplate", "dedup"}


def test_stats_of_a_corpus_without_removed_text_shows_dashes(mixed_run: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(mixed_run, old, ignore=shutil.ignore_patterns(".work"))
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    del manifest["removed_text"]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = run_cli("stats", "--corpus", str(old)).stdout
    assert any(ln.split()[:2] == ["repeats", "repeated-block"] and ln.split()[3:] == ["-", "-"]
               for ln in out.splitlines())
