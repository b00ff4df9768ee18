# Parametric RAG (PRAG, DyPRAG) end to end: raw data -> index -> augmentation -> per-passage
# LoRAs -> predictions -> result tables. Rules only wire files; the work is done by the
# `parametric_rag` package (workflow_scripts/) through its CLI, `prag <step>`.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
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
