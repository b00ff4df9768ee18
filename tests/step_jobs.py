"""Jobs for calling pipeline steps directly in tests (what ``Plan.job`` makes for a rule)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parametric_rag.plan import Job

CPU = {"device": "cpu", "dtype": "float32"}


def _paths(d: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(x) for x in v] if isinstance(v, (list, tuple)) else (str(v) if isinstance(v, Path) else v)
            for k, v in d.items()}


def job(step: str, inputs: dict, outputs: dict, **settings: Any) -> Job:
    return Job(step, _paths(inputs), _paths(outputs), settings)


def init_adapter(model: Path, out: Path, *, rank: int = 2, alpha: int = 32, seed: int = 42) -> Job:
    return job("init_adapter", {}, {"adapter": out}, model_ref=str(model), rank=rank, alpha=alpha, seed=seed)


def encode(model: Path, augmented: Path, init: Path, manifest: Path, **settings: Any) -> Job:
    s = dict(model_ref=str(model), compute=CPU, rank=2, alpha=32, lr=3e-4, epochs=1, max_length=3000, cot=False,
             fewshot=None, reuse_identical=True) | settings
    return job("encode", {"augmented": augmented, "init": init}, {"manifest": manifest}, **s)


def infer(model: Path, method: str, augmented: list[Path], out: Path, *, manifests: list[Path] = (),
          translator: Path | None = None, translator_options: dict | None = None, **settings: Any) -> Job:
    inputs: dict[str, Any] = {"augmented": augmented}
    if manifests:
        inputs["manifests"] = manifests
    if translator is not None:
        inputs["translator"] = translator
    s = dict(model_ref=str(model), compute=CPU, method=method, prompt_variant="reference", cot=False, fewshot=None,
             max_new_tokens=6, batch_size=1, translator_options=translator_options) | settings
    return job("infer", inputs, {"predictions": out / "predictions.jsonl", "metrics": out / "metrics.json"}, **s)


def train_translator(model: Path, shards: list[dict], out: Path, *, epochs: int, **settings: Any) -> Job:
    s = dict(model_ref=str(model), compute=CPU, epochs=epochs, lr=1e-5, width=8, rank=2, sample_rate=1.0, seed=0,
             kl_weight=0.01, mse_weight=100.0, delta_scaling="none", max_length=3000, shards=shards) | settings
    outputs = {"checkpoints": [out / f"epoch_{e}.pt" for e in range(epochs)], "losses": out / "losses.csv",
               "plot": out / "losses.png"}
    return job("train_translator", {}, outputs, **s)
