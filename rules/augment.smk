# Augmentation: per shard, the first topk candidates whose rewrite + 3 QA pairs succeed.


rule augment:
    input:
        unpack(augment_inputs),
    output:
        "results/augmented/{model}/{dataset}/{split}/shard-{shard}.jsonl",
    params:
        args=augment_args,
    threads: COMPUTE["threads"]
    resources:
        gpu=1 if AUG["source"] == "generate" else 0,
    log:
        "logs/augment/{model}/{dataset}/{split}/shard-{shard}.log",
    benchmark:
        "benchmarks/augment/{model}/{dataset}/{split}/shard-{shard}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli augment --questions {input.questions} {params.args} --out {output} 2> {log}"


rule import_augmented:
    input:
        questions="results/questions/{dataset}/{split}.jsonl",
        files=lambda wc: list(reference_files(wc).values()),
    output:
        "results/augmented/{model}/{dataset}/{split}/imported.jsonl",
    params:
        args=import_args,
    log:
        "logs/import_augmented/{model}/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli import-augmented --questions {input.questions} {params.args} --out {output} 2> {log}"
