# BM25 index of the corpus: an embedded tantivy directory, or a marker for an Elasticsearch index.


rule index_tantivy:
    input:
        unpack(lambda wc: job_of(wc, "index", backend="tantivy").inputs),
    output:
        directory(PATHS["index_tantivy"]),
    params:
        job=lambda wc: job_of(wc, "index", backend="tantivy").to_json(),
    log:
        "logs/index/{corpus}-tantivy.log",
    benchmark:
        "benchmarks/index/{corpus}-tantivy.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli index --job {params.job:q} 2> {log}"


rule index_elasticsearch:
    input:
        unpack(lambda wc: job_of(wc, "index", backend="elasticsearch").inputs),
    output:
        PATHS["index_elasticsearch"],
    params:
        job=lambda wc: job_of(wc, "index", backend="elasticsearch").to_json(),
    log:
        "logs/index/{corpus}-elasticsearch.log",
    benchmark:
        "benchmarks/index/{corpus}-elasticsearch.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli index --job {params.job:q} 2> {log}"
