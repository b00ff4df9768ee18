# Augmentation: per shard, the first topk candidates whose rewrite + 3 QA pairs succeed.


rule augment:
    input:
        unpack(job_inputs("augment")),
    output:
        augmented=PATHS["augmented"],
        record=record_path(PATHS["augmented"]),
    params:
        job=job_json("augment"),
    threads: THREADS
    priority: translator_chain_first
    resources:
        gpu=uses_gpu("augment"),
        runtime=lambda wc: 720 if uses_gpu("augment")(wc) else 30,
        mem_mb=lambda wc: 32000 if uses_gpu("augment")(wc) else 4000,
    log:
        "logs/augment/{model}/{dataset}/{split}/{atag}/shard-{shard}.log",
    benchmark:
        "benchmarks/augment/{model}/{dataset}/{split}/{atag}/shard-{shard}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli augment --job {params.job:q} --threads {threads} 2> {log}"


rule import_augmented:
    input:
        unpack(job_inputs("import_augmented")),
    output:
        imported=PATHS["imported"],
        record=record_path(PATHS["imported"]),
    params:
        job=job_json("import_augmented"),
    priority: translator_chain_first
    log:
        "logs/import_augmented/{model}/{dataset}/{split}/{atag}.log",
    benchmark:
        "benchmarks/import_augmented/{model}/{dataset}/{split}/{atag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli import-augmented --job {params.job:q} 2> {log}"
