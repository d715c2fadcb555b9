"""The learned line scorer: the committed model, its place in the fingerprint, its safety limits
and the evidence it logs. No training here (CI never retrains)."""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeline.clean.boilerplate import (
    _batch_recurring,
    _phrase_rules,
    _start,
    feature_matrix,
    strip_boilerplate,
    strip_to_fixpoint,
)
from pipeline.clean.linefeatures import FEATURES
from pipeline.clean.linemodel import from_dict, load_model
from pipeline.config import load_config
from pipeline.models import split_lines
from pipeline.tasks import stage_fingerprint

CFG = load_config()
BP = CFG.boilerplate

PARAGRAPH = ("The city council voted on Tuesday to approve a new budget that raises spending on schools and "
             "roads, after a long debate in which several members questioned the cost of the plan.")
ARTICLE = "\n\n".join([
    "Council approves budget",
    PARAGRAPH,
    "Supporters said the money was overdue. Opponents warned that taxes would have to rise within two years "
    "to pay for it, and that the council had not said where the rest would come from.",
    "The mayor is expected to sign the budget next week, her office said in a statement on Wednesday.",
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "Comment *",
    "Name *",
    "Email *",
    "Website",
    "Save my name, email, and website in this browser for the next time I comment.",
])


def _scores(text: str) -> dict[str, float]:
    p = _start(split_lines(text), BP, (), {})
    _phrase_rules(p)
    _batch_recurring(p)
    prob = load_model(BP.model).probability(feature_matrix(p))
    return {r.text: float(s) for r, s in zip(p.rows, prob, strict=True)}


def test_committed_model_loads_with_the_features_the_code_computes() -> None:
    model = load_model(BP.model)
    assert model.version == BP.model
    assert model.features == FEATURES
    assert model.model_id.startswith("model.lines@")


def test_model_scores_obvious_lines_sensibly() -> None:
    scores = _scores(ARTICLE)
    assert scores["Save my name, email, and website in this browser for the next time I comment."] > 0.5
    assert scores["Name *"] > 0.5
    assert scores[PARAGRAPH] < 0.1


def test_model_version_is_in_the_boilerplate_fingerprint_only() -> None:
    assert BP.model_digest.startswith(BP.model + ":")
    other = dataclasses.replace(CFG, boilerplate=dataclasses.replace(BP, model_digest="lines-v1:0000"))
    assert stage_fingerprint(other, "encoding") == stage_fingerprint(CFG, "encoding")
    assert stage_fingerprint(other, "boilerplate") != stage_fingerprint(CFG, "boilerplate")
    assert stage_fingerprint(other, "repeats") != stage_fingerprint(CFG, "repeats")


def _stump(feature: str, threshold: float, low: float, high: float) -> dict:
    """A one-split model: raw score `low` when FEATURE <= threshold, else `high`."""
    return {"version": "stub-v9", "features": list(FEATURES), "baseline": 0.0, "max_depth": 1,
            "trees": [{"feature": [FEATURES.index(feature), 0, 0], "threshold": [threshold, 0, 0],
                       "left": [1, 0, 0], "right": [2, 0, 0], "value": [(low + high) / 2, low, high],
                       "leaf": [0, 1, 1]}]}


def test_a_long_line_is_never_removed_by_the_model_alone() -> None:
    everything_is_junk = from_dict(_stump("log_words", 0.5, 9.0, 9.0))
    long_line = " ".join(["word"] * BP.prose_long_words) + "."
    shorter = " ".join(["word"] * (BP.prose_long_words - 1)) + "."
    lines = split_lines("\n\n".join([PARAGRAPH, long_line, "Short line here", shorter, PARAGRAPH]))
    kept, removals = strip_boilerplate(lines, BP, model=everything_is_junk)
    gone = {r.text for r in removals if r.rule == "model.stub@9"}
    assert gone == {"Short line here", shorter}
    assert {long_line, PARAGRAPH} <= {ln.text for ln in kept}


def test_model_removals_carry_score_and_inputs() -> None:
    short_is_junk = from_dict(_stump("log_words", float(np.log1p(5)), 6.0, -6.0))
    lines = split_lines("\n\n".join([PARAGRAPH, "Lorem ipsum dolor sit", PARAGRAPH]))
    _, removals = strip_to_fixpoint(lines, BP, model=short_is_junk)
    (r,) = [r for r in removals if r.rule.startswith("model.")]
    assert r.stage == "boilerplate" and r.text == "Lorem ipsum dolor sit"
    assert r.detail is not None and r.detail["score"] > 0.99
    assert r.detail["inputs"][0]["input"] == "log_words"


def test_the_committed_model_logs_its_evidence() -> None:
    _, removals = strip_to_fixpoint(split_lines(ARTICLE), BP)
    for r in removals:
        if r.rule.startswith("model."):
            assert r.detail and 0 <= r.detail["score"] <= 1 and r.detail["inputs"]
    assert PARAGRAPH not in {r.text for r in removals}


def test_without_a_model_nothing_is_scored() -> None:
    _, removals = strip_to_fixpoint(split_lines(ARTICLE), dataclasses.replace(BP, model=""))
    assert not any(r.rule.startswith("model.") for r in removals)
