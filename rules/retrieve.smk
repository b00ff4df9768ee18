# Retrieval: top k + spare candidates per question.

BACKEND = config["retrieval"]["backend"]
INDEX = {
    "tantivy": f"results/index/{config['corpus']['name']}/tantivy",
    "elasticsearch": f"results/index/{config['corpus']['name']}/elasticsearch.json",
}[BACKEND]
QUERY_TOKENIZER = config["retrieval"]["query_tokenizer"] or RUN["models"][0]


rule retrieve:
    input:
        questions="results/questions/{dataset}/{split}.jsonl",
        index=INDEX,
        tokenizer=model_input(QUERY_TOKENIZER),
    output:
        "results/retrieval/{retriever}/{dataset}/{split}.jsonl",
    params:
        settings=json.dumps(config["retrieval"][BACKEND]),
        k=config["retrieval"]["topk"] + config["retrieval"]["spare"],
        tokenizer=model_ref(QUERY_TOKENIZER),
        max_tokens=config["retrieval"]["query_max_tokens"],
    log:
        "logs/retrieve/{retriever}/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} retrieve --questions {input.questions} --backend " + BACKEND + " --index {input.index}"
        " --settings '{params.settings}' --k {params.k} --query-tokenizer {params.tokenizer}"
        " --query-max-tokens {params.max_tokens} --out {output} 2> {log}"
