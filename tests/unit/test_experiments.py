"""Experiments: parsing OFFER_ROOM_VARIANTS, a stable split that follows the weights, and what
each variant switches (server/experiments.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from server.config import ConfigError, load_config
from server.experiments import ALL_ON, DEFAULT_VARIANT, Experiment, parse_variants

SPEC = '{"control": {"weight": 30, "off": ["explanations", "reminders"]}, "assist": {"weight": 70}}'


def test_variants_parse_with_their_weights_and_switches() -> None:
    experiment = parse_variants(SPEC)
    assert experiment.names() == ["control", "assist"] and experiment.baseline == "control"
    control = experiment.features("control")
    assert (control.explanations, control.reminders) == (False, False)
    assert (control.offer_check, control.middle_ground) == (True, True)
    assert experiment.features("assist") == ALL_ON
    # An offer from an arm no longer configured keeps everything on.
    assert experiment.features("retired") == ALL_ON


@pytest.mark.parametrize("raw, says", [
    ("not json", "not JSON"),
    ("[]", "JSON object"),
    ("{}", "JSON object"),
    ('{"Control": {}}', "variant name"),
    ('{"a": {"weight": 0}}', "weight"),
    ('{"a": {"weight": 10001}}', "weight"),
    ('{"a": {"off": ["explain"]}}', "unknown features"),
    ('{"a": {"wieght": 1}}', "a:"),
    ('{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{}}', "at most 6"),
])
def test_a_bad_specification_says_what_is_wrong(raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_variants(raw)


def test_the_node_refuses_a_bad_specification_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="OFFER_ROOM_VARIANTS"):
        load_config({"OFFER_ROOM_VARIANTS": '{"a": {"weight": -1}}'}, data_dir=tmp_path)
    config = load_config({"OFFER_ROOM_VARIANTS": SPEC, "OFFER_ROOM_EXPERIMENT": "q4"},
                         data_dir=tmp_path)
    assert config.variants.name == "q4" and config.variants.names() == ["control", "assist"]
    assert load_config({}, data_dir=tmp_path).variants.names() == [DEFAULT_VARIANT]


def test_the_split_is_stable_and_follows_the_weights() -> None:
    experiment = parse_variants(SPEC)
    ids = [f"offer-{i}" for i in range(20_000)]
    split = Counter(experiment.assign(i) for i in ids)
    assert abs(split["control"] / len(ids) - 0.30) < 0.02
    assert [experiment.assign(i) for i in ids[:50]] == [experiment.assign(i) for i in ids[:50]]
    # Another experiment name reshuffles: about half of the offers change arms.
    other = Experiment(name="q4", variants=experiment.variants)
    moved = sum(experiment.assign(i) != other.assign(i) for i in ids)
    assert 0.3 < moved / len(ids) < 0.55


def test_the_integrator_may_choose_a_configured_variant_only() -> None:
    experiment = parse_variants(SPEC)
    assert experiment.choose("assist", "o1") == "assist"
    assert experiment.choose(None, "o1") == experiment.assign("o1")
    with pytest.raises(ValueError, match="control, assist"):
        experiment.choose("asist", "o1")
