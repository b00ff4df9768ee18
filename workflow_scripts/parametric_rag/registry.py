"""The names the pipeline knows, each defined once: methods, prompt variants, dataset formats,
few-shot sets, splits and the path template of every file the workflow makes.

Imported (without torch) by the Snakefile, the CLI, the config schema, the report and the tests.
To add a method, a dataset format or a prompt variant, add it here; the schema's enums, the
Snakemake wildcard constraints and the report's labels follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Method:
    """An inference method (method.md §6)."""

    name: str
    label: str  # how tables name it
    passages_in_prompt: bool
    parameters: str | None  # None (base model), "lora" (PRAG) or "translator" (DyPRAG)


#: In the order the reference's tables list them.
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("vanilla", "Vanilla (closed book)", False, None),
    Method("icl", "Standard RAG (ICL)", True, None),
    Method("prag", "PRAG", False, "lora"),
    Method("prag_combine", "PRAG-combine", True, "lora"),
    Method("dyprag", "DyPRAG", False, "translator"),
    Method("dyprag_combine", "DyPRAG-combine", True, "translator"),
)}

@dataclass(frozen=True)
class PromptVariant:
    """A prompt variant (method.md §4): whether the inference prefix keeps its trailing space."""

    name: str
    note: str  # how a table describes it
    trailing_space: bool


PROMPT_VARIANTS: dict[str, PromptVariant] = {v.name: v for v in (
    PromptVariant("reference", "the reference's prompt (the inference prefix ends in a space)", True),
    PromptVariant("no_trailing_space",
                  "the prompt variant without the trailing space after the inference prefix", False),
)}


@dataclass(frozen=True)
class FormatSpec:
    """What the pipeline knows about one raw dataset format, with the reference's defaults."""

    name: str
    loader: str  # module of parametric_rag.datasets with ``load(files) -> list[Question]``
    files: dict[str, str]  # role -> default raw file name
    subsets: tuple[str, ...]  # known sub-types, in the order results are reported
    cot: bool  # chain-of-thought prompting by default
    max_new_tokens: int
    epochs: int  # PRAG encoding epochs
    fewshot: str | None  # name of the few-shot examples resource, if any


FORMATS: dict[str, FormatSpec] = {spec.name: spec for spec in (
    FormatSpec("popqa", "popqa", {"questions": "popQA.tsv"}, ("total",), False, 20, 2, None),
    FormatSpec("complexwebquestions", "complexwebquestions", {"questions": "ComplexWebQuestions_dev.json"},
               ("total",), False, 20, 1, None),
    FormatSpec("2wikimultihopqa", "twowikimultihopqa", {"questions": "dev.json", "aliases": "id_aliases.json"},
               ("comparison", "bridge_comparison", "inference", "compositional"), True, 128, 1, "2wikimultihopqa"),
    FormatSpec("hotpotqa", "hotpotqa", {"questions": "hotpot_dev_distractor_v1.json"},
               ("bridge", "comparison"), True, 128, 1, "hotpotqa"),
    FormatSpec("custom", "custom", {"questions": "questions.json"}, ("total",), False, 20, 1, None),
)}


def fewshot_sets() -> list[str]:
    """Names of the few-shot example sets: the files in resources/fewshot/."""
    folder = resources.files("parametric_rag") / "resources" / "fewshot"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


#: Question splits: evaluation, and DyPRAG's translator-training questions.
SPLITS = ("eval", "translator")

#: Every file the workflow makes, as a Snakemake path template. ``{*tag}`` wildcards name the
#: settings that made the file (``parametric_rag.plan``); a ``settings.json`` beside records them.
PATHS: dict[str, str] = {
    "model": "results/models/{model}/manifest.json",
    "download": "results/downloads/{name}/{filename}",
    "download_record": "results/downloads/{name}.sha256",
    "raw": "results/raw/{name}/{file}",
    "fictional_world": "results/fictional_world/{file}",
    "questions": "results/questions/{dataset}/{split}/{qtag}.jsonl",
    "index_tantivy": "results/index/{corpus}/tantivy",
    "index_elasticsearch": "results/index/{corpus}/elasticsearch.json",
    "retrieval": "results/retrieval/{dataset}/{split}/{rtag}.jsonl",
    "augmented": "results/augmented/{model}/{dataset}/{split}/{atag}/shard-{shard}.jsonl",
    "imported": "results/augmented/{model}/{dataset}/{split}/{atag}/imported.jsonl",
    "init_adapter": "results/lora/{model}/init_{shape}",
    "lora": "results/lora/{model}/{dataset}/{split}/{ltag}/shard-{shard}/manifest.json",
    "translator": "results/translator/{model}/{ttag}/epoch_{epoch}.pt",
    "translator_losses": "results/translator/{model}/{ttag}/losses.csv",
    "translator_plot": "results/translator/{model}/{ttag}/losses.png",
    "predictions": "results/predictions/{model}/{dataset}/{variant}/{method}/{ptag}/predictions.jsonl",
    "metrics": "results/predictions/{model}/{dataset}/{variant}/{method}/{ptag}/metrics.json",
    "table_csv": "results/tables/metrics.csv",
    "table_md": "results/tables/f1.md",
    "table_plot": "results/tables/f1.png",
    "per_question": "results/tables/{model}/{dataset}/per_question.csv",
    "wins": "results/tables/wins.md",
    "data_quality": "results/tables/data_quality.md",
    "published_csv": "results/tables/published.csv",
    "published_md": "results/tables/published.md",
}

#: Tags are ``<readable prefix>-<8 hex digits of the settings' hash>``.
TAG_PATTERN = r"[A-Za-z0-9._+=-]+-[0-9a-f]{8}"
