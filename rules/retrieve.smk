# Retrieval: top k + spare candidates per question.


rule retrieve:
    input:
        unpack(job_inputs("retrieve")),
    output:
        retrieval=PATHS["retrieval"],
        record=record_path(PATHS["retrieval"]),
    params:
        job=job_json("retrieve"),
    priority: translator_chain_first
    log:
        "logs/retrieve/{dataset}/{split}/{rtag}.log",
    benchmark:
        "benchmarks/retrieve/{dataset}/{split}/{rtag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli retrieve --job {params.job:q} 2> {log}"
