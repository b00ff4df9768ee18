# Retrieval: top k + spare candidates per question.


rule retrieve:
    input:
        questions="results/questions/{dataset}/{split}.jsonl",
        index=INDEX,
        tokenizer=model_input(QUERY_TOKENIZER),
    output:
        "results/retrieval/{retriever}/{dataset}/{split}.jsonl",
    params:
        backend=BACKEND,
        settings=json.dumps(config["retrieval"][BACKEND]),
        k=TOPK + config["retrieval"]["spare"],
        tokenizer=lambda wc: model_ref(QUERY_TOKENIZER),
        max_tokens=config["retrieval"]["query_max_tokens"],
    log:
        "logs/retrieve/{retriever}/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli retrieve --questions {input.questions} --backend {params.backend}"
        " --index {input.index} --settings '{params.settings}' --k {params.k} --query-tokenizer {params.tokenizer}"
        " --query-max-tokens {params.max_tokens} --out {output} 2> {log}"
