# Parametric RAG (PRAG, DyPRAG) end to end: raw data -> index -> augmentation -> per-passage
# LoRAs -> translator -> predictions -> result tables. Rules only wire files; the work is done
# by the `parametric_rag` package (workflow_scripts/) through its CLI (`prag <step> --help`).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"


wildcard_constraints:
    model=alternatives(config["models"]),
    dataset=alternatives(config["datasets"]),
    split="eval|translator",
    shard=r"\d{3}",
    method="vanilla|icl|prag|prag_combine|dyprag|dyprag_combine",
    variant="reference|no_trailing_space",
    retriever=re.escape(RETRIEVER),
    corpus=re.escape(config["corpus"]["name"]),


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
        REPORT_FILES,
    default_target: True
