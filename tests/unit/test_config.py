"""Configuration: schema defaults, errors that name key, value and what is allowed, derived settings."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from parametric_rag.config import (
    ConfigError,
    dataset_settings,
    load_config,
    validate_config,
)
from parametric_rag.plan import Point

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "config.yaml").read_text())


def cfg(**changes):
    c = copy.deepcopy(BASE)
    for key, value in changes.items():
        section, _, sub = key.partition("__")
        if sub:
            c.setdefault(section, {})[sub] = value
        else:
            c[section] = value
    return c


def test_shipped_configs_validate_with_reference_defaults():
    c = load_config(ROOT / "config.yaml")
    assert c["lora"] == {"rank": 2, "alpha": 32, "lr": 0.0003, "seed": 42, "max_length": 3000, "reuse_identical": True,
                          "batch_passages": 1}
    assert c["retrieval"]["topk"] == 3 and c["retrieval"]["spare"] == 10 and c["retrieval"]["query_max_tokens"] == 256
    assert c["augment"]["temperature"] == 0.7 and c["augment"]["top_k"] == 50 and c["augment"]["max_new_tokens"] == 512
    assert c["translator"]["lr"] == 1e-5 and c["translator"]["width"] == 32 and c["translator"]["merge"] == "mean_ab"
    merged = copy.deepcopy(BASE)  # as Snakemake merges --configfile experiments/reference.yaml over config.yaml
    update_config(merged, yaml.safe_load((ROOT / "experiments/reference.yaml").read_text()))
    assert validate_config(merged)["datasets"]["popqa"]["sample"] == 300


@pytest.mark.parametrize(("changes", "expected"), [
    ({"retrieval__backend": "lucene"}, ["retrieval.backend", "'lucene'", "allowed: ['tantivy', 'elasticsearch']"]),
    ({"lora__rank": "two"}, ["lora.rank", "'two'", "integer"]),
    ({"lora__rank": 0}, ["lora.rank", "0", "minimum"]),
    ({"lora__rnak": 4}, ["lora", "rnak", "allowed keys"]),
    ({"run": {"models": ["gpt"], "datasets": ["fictional-popqa"]}}, ["run.models", "'gpt'", "smollm2-135m"]),
    ({"augment__source": "table", "augment__table": None}, ["augment.table", "needs a table path"]),
])
def test_errors_name_key_value_and_allowed(changes, expected):
    with pytest.raises(ConfigError) as e:
        validate_config(cfg(**changes))
    for text in expected:
        assert text in str(e.value)


def test_dataset_roles_and_translator_overlap_are_checked():
    c = cfg()
    c["datasets"]["fictional-2wiki"]["files"] = {"questions": "dev.json"}
    with pytest.raises(ConfigError, match="needs exactly the roles"):
        validate_config(c)
    c = cfg()
    c["datasets"]["fictional-popqa"]["translator_range"] = [10, 30]  # overlaps the 16 evaluation questions
    with pytest.raises(ConfigError, match="translator_range"):
        validate_config(c)


def test_derived_settings():
    c = load_config(ROOT / "config.yaml")
    assert dataset_settings(c, "fictional-2wiki") == {
        "format": "2wikimultihopqa", "cot": True, "fewshot": "2wikimultihopqa", "max_new_tokens": 128, "epochs": 1,
        "prompt_lookup": 4, "subsets": ("comparison", "bridge_comparison", "inference", "compositional")}
    assert dataset_settings(c, "fictional-popqa")["epochs"] == 2
    assert dataset_settings(c, "fictional-popqa")["prompt_lookup"] == 0  # the inference section's default
    c["inference"]["prompt_lookup"] = 6
    assert [dataset_settings(c, d)["prompt_lookup"] for d in ("fictional-popqa", "fictional-2wiki")] == [6, 4]
    c["datasets"]["fictional-popqa"]["epochs"] = {"default": 1, "smollm2-135m": 3}
    assert dataset_settings(c, "fictional-popqa", "smollm2-135m")["epochs"] == 3
    assert dataset_settings(c, "fictional-popqa", "other")["epochs"] == 1
    point = Point(c)
    assert point.stage("lora", model="smollm2-135m", dataset="fictional-2wiki", split="eval").prefix == "r2_a32_lr0.0003_ep1"
    # config.yaml: 4 questions per shard (16 eval, 12 translator questions); 2Wiki 1 (4 eval questions)
    assert point.n_shards("fictional-popqa", "eval") == 4 and point.n_shards("fictional-popqa", "translator") == 3
    assert point.n_shards("fictional-2wiki", "eval") == 4
    c["datasets"]["fictional-popqa"]["questions_per_shard"] = 5
    assert Point(c).n_shards("fictional-popqa", "eval") == 4  # 16 / 5, rounded up
    c["datasets"]["fictional-popqa"]["questions_per_shard"] = 25
    assert Point(c).n_shards("fictional-popqa", "eval") == 1
    assert Point(c).stage("translator", model="smollm2-135m").prefix == "p32_r2_lr1e-05_s1_ep1"
    c["translator"]["checkpoints"] = {"smollm2-135m": "released.pt"}
    assert Point(c).stage("translator", model="smollm2-135m").prefix == "imported"


def test_an_unknown_top_level_key_names_the_key_not_the_whole_config():
    with pytest.raises(ConfigError) as e:
        validate_config(cfg(colour="blue"))
    first = str(e.value).splitlines()[0]
    assert first.startswith("invalid configuration: config key colour = 'blue': unknown key; allowed keys: [")
    assert "smollm2" not in first and "psgs_w100" not in first  # no value of the rest of the config


def test_unreadable_config_files_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lora:\n  rank: 2\n  alpha: [32\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line 4, column 1: not valid YAML"):
        load_config(bad)
    bad.write_bytes(b"lora:\n  rank: 2  # \xff\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: record line 2: not valid UTF-8 text: bytes b'\\xff' at byte offset 19"):
        load_config(bad)
