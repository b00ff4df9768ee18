# Inference: one job per (model, dataset, prompt variant, method, settings) over the evaluation shards.


rule infer:
    input:
        unpack(job_inputs("infer")),
    output:
        predictions=PATHS["predictions"],
        metrics=PATHS["metrics"],
        record=record_path(PATHS["metrics"]),
    params:
        job=job_json("infer"),
    threads: THREADS
    resources:
        gpu=uses_gpu("infer"),
    log:
        "logs/infer/{model}/{dataset}/{variant}/{method}/{ptag}.log",
    benchmark:
        "benchmarks/infer/{model}/{dataset}/{variant}/{method}/{ptag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli infer --job {params.job:q} --threads {threads} 2> {log}"
