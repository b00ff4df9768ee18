# Inference: one job per (model, dataset, method) over the evaluation shards.


rule infer:
    input:
        unpack(infer_inputs),
    output:
        predictions="results/predictions/{model}/{dataset}/{variant}/{method}/predictions.jsonl",
        metrics="results/predictions/{model}/{dataset}/{variant}/{method}/metrics.json",
    params:
        args=infer_args,
        out=subpath(output.metrics, parent=True),
    threads: COMPUTE["threads"]
    resources:
        gpu=1,
    log:
        "logs/infer/{model}/{dataset}/{variant}/{method}.log",
    benchmark:
        "benchmarks/infer/{model}/{dataset}/{variant}/{method}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli infer --method {wildcards.method} {params.args} --augmented {input.augmented}"
        " --out-dir {params.out} 2> {log}"
