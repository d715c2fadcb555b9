"""The output contract as JSON Schema (schemas/*.schema.json): every output validates."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pipeline.corpus import SCHEMA_VERSION
from tests.conftest import ROOT, load_jsonl
from tests.report.corpora import build_mixed_run

SCHEMAS = ROOT / "schemas"
FILES = {"article": "articles.jsonl", "document": "documents.jsonl", "spans": "spans.jsonl"}


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mixed_run(tmp_path_factory)


def _errors(v: Draft202012Validator, obj: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(obj)]


def test_schema_files_named_and_versioned() -> None:
    names = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert {"article.schema.json", "document.schema.json", "manifest.schema.json"} <= set(names)
    for n in names:
        schema = json.loads((SCHEMAS / n).read_text(encoding="utf-8"))
        assert schema["x-schema-version"] == SCHEMA_VERSION, n
        assert schema["$id"].endswith(f":{SCHEMA_VERSION}"), n
    manifest = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    assert manifest["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize("which", ["seed_run", "mixed_run"])
def test_every_output_validates(which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    for name, fname in FILES.items():
        v = validator(name)
        rows = load_jsonl(out / fname)
        assert rows, fname
        for row in rows:
            assert _errors(v, row) == [], f"{fname} {row['id']}"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert _errors(validator("manifest"), manifest) == []
    assert manifest["schema_version"] == SCHEMA_VERSION


def test_mixed_run_covers_every_status(mixed_run: Path) -> None:
    statuses = {d["status"] for d in load_jsonl(mixed_run / "documents.jsonl")}
    assert statuses == {"kept", "duplicate", "rejected"}


def test_spans_line_up_with_articles(seed_run: Path) -> None:
    arts, spans = load_jsonl(seed_run / "articles.jsonl"), load_jsonl(seed_run / "spans.jsonl")
    assert [a["id"] for a in arts] == [s["id"] for s in spans]
    for a, s in zip(arts, spans, strict=True):
        assert len(s["paragraphs"]) == a["paragraphs"]


def test_schemas_reject_what_breaks_the_contract(seed_articles: dict[str, dict], seed_run: Path) -> None:
    # The schemas must not be vacuous: each of these breaks a documented promise.
    art = seed_articles["000_2cb9e80f71fff0a9"]
    v = validator("article")
    bad = [copy.deepcopy(art) for _ in range(4)]
    del bad[0]["text"]
    bad[1]["removed"][0]["start"] = "12"
    bad[2]["undocumented"] = 1
    bad[3]["sha256"] = "xyz"
    for b in bad:
        assert _errors(v, b)
    doc = load_jsonl(seed_run / "documents.jsonl")[0]
    dv = validator("document")
    assert _errors(dv, {**doc, "status": "dropped"})
    assert _errors(dv, {**doc, "status": "duplicate"})  # a duplicate must say what it copies
    manifest = json.loads((seed_run / "manifest.json").read_text(encoding="utf-8"))
    assert _errors(validator("manifest"), {**manifest, "schema_version": SCHEMA_VERSION + 1})
