# BM25 index of the corpus: an embedded tantivy directory, or a marker for an Elasticsearch index.


rule index_tantivy:
    input:
        config["corpus"]["path"],
    output:
        directory("results/index/{corpus}/tantivy"),
    params:
        settings=json.dumps(config["retrieval"]["tantivy"]),
    log:
        "logs/index/{corpus}-tantivy.log",
    benchmark:
        "benchmarks/index/{corpus}-tantivy.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli index --backend tantivy --corpus {input} --out {output}"
        " --settings '{params.settings}' 2> {log}"


rule index_elasticsearch:
    input:
        config["corpus"]["path"],
    output:
        "results/index/{corpus}/elasticsearch.json",
    params:
        settings=json.dumps(config["retrieval"]["elasticsearch"]),
    log:
        "logs/index/{corpus}-elasticsearch.log",
    benchmark:
        "benchmarks/index/{corpus}-elasticsearch.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli index --backend elasticsearch --corpus {input} --out {output}"
        " --settings '{params.settings}' 2> {log}"
