# Parametric RAG (PRAG, DyPRAG) end to end: raw data -> index -> augmentation -> per-passage
# LoRAs -> translator -> predictions -> result tables. Rules only wire files; every job's inputs,
# outputs and settings come from parametric_rag.plan (one function for rules and hand runs), and
# the work is done by the package CLI (`prag <step> --help`).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"


wildcard_constraints:
    model=alternatives(config["models"]),
    dataset=alternatives(config["datasets"]),
    split=alternatives(SPLITS),
    shard=r"\d{3}",
    method=alternatives(METHODS),
    variant=alternatives(PROMPT_VARIANTS),
    corpus=alternatives({p.c["corpus"]["name"] for p in PLAN.points}),
    qtag=TAG_PATTERN,
    rtag=TAG_PATTERN,
    atag=TAG_PATTERN,
    ltag=TAG_PATTERN,
    ttag=TAG_PATTERN,
    ptag=TAG_PATTERN,


include: "rules/data.smk"
include: "rules/index.smk"
include: "rules/retrieve.smk"
include: "rules/augment.smk"
include: "rules/encode.smk"
include: "rules/translator.smk"
include: "rules/infer.smk"
include: "rules/report.smk"


localrules:
    all,


rule all:
    input:
        PLAN.targets(),
    default_target: True
