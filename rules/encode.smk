# PRAG encoding: the shared initial adapter, then one LoRA per (question, passage), by shard.


rule init_adapter:
    input:
        unpack(job_inputs("init_adapter")),
    output:
        directory(PATHS["init_adapter"]),
    wildcard_constraints:
        shape=alternatives({p.shape_tag() for p in PLAN.points}),
    params:
        job=job_json("init_adapter"),
    log:
        "logs/init_adapter/{model}/{shape}.log",
    benchmark:
        "benchmarks/init_adapter/{model}/{shape}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli init-adapter --job {params.job:q} 2> {log}"


rule encode:
    input:
        unpack(job_inputs("encode")),
    output:
        manifest=PATHS["lora"],
        record=record_path(PATHS["lora"]),
    params:
        job=job_json("encode"),
    threads: THREADS
    priority: translator_chain_first
    resources:
        gpu=uses_gpu("encode"),
    log:
        "logs/encode/{model}/{dataset}/{split}/{ltag}/shard-{shard}.log",
    benchmark:
        "benchmarks/encode/{model}/{dataset}/{split}/{ltag}/shard-{shard}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli encode --job {params.job:q} --threads {threads} 2> {log}"
