# DyPRAG: the parameter translator, trained on the translator splits' passage LoRAs, or imported.


rule train_translator:
    input:
        unpack(job_inputs("train_translator")),
    output:
        checkpoints=[PATHS["translator"].replace("{epoch}", str(e)) for e in range(config["translator"]["epochs"])],
        losses=report(PATHS["translator_losses"], caption="../report/losses.rst", category="Translator"),
        plot=report(PATHS["translator_plot"], caption="../report/losses.rst", category="Translator"),
        record=record_path(PATHS["translator_losses"]),
    wildcard_constraints:
        ttag=r"p\d+_[^/]*-[0-9a-f]{8}",
    params:
        job=job_json("train_translator"),
    threads: THREADS
    priority: 1  # gates every DyPRAG job (see translator_chain_first)
    resources:
        gpu=uses_gpu("train_translator"),
    log:
        "logs/train_translator/{model}/{ttag}.log",
    benchmark:
        "benchmarks/train_translator/{model}/{ttag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli train-translator --job {params.job:q} --threads {threads} 2> {log}"


rule import_translator:
    input:
        unpack(job_inputs("import_translator")),
    output:
        checkpoint=PATHS["translator"].replace("{epoch}", "0"),
        record=record_path(PATHS["translator"].replace("{epoch}", "0")),
    wildcard_constraints:
        ttag=r"imported-[0-9a-f]{8}",
    params:
        job=job_json("import_translator"),
    log:
        "logs/import_translator/{model}/{ttag}.log",
    benchmark:
        "benchmarks/import_translator/{model}/{ttag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli import-translator --job {params.job:q} 2> {log}"
