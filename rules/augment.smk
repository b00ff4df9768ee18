# Augmentation: per shard, the first topk candidates whose rewrite + 3 QA pairs succeed.

AUG = config["augment"]
TOPK = config["retrieval"]["topk"]


def augment_inputs(wc):
    inputs = {"questions": f"results/questions/{wc.dataset}/{wc.split}.jsonl"}
    if AUG["source"] == "import":
        inputs["imported"] = f"results/augmented/{wc.model}/{wc.dataset}/{wc.split}/imported.jsonl"
    else:
        inputs["retrieval"] = f"results/retrieval/{RETRIEVER}/{wc.dataset}/{wc.split}.jsonl"
    if AUG["source"] == "table":
        inputs["table"] = AUG["table"]
    if AUG["source"] == "generate":
        inputs["model"] = model_input(AUG["model"] or wc.model)
    return inputs


def augment_args(wc, input):
    if AUG["source"] == "import":
        return f"--source imported --imported {input.imported}"
    if AUG["source"] == "table":
        return f"--retrieval {input.retrieval} --source table --table {input.table}"
    generation = {k: AUG[k] for k in ("max_new_tokens", "do_sample", "temperature", "top_k", "max_attempts", "batch_size")}
    return (
        f"--retrieval {input.retrieval} --source generate --model {model_ref(AUG['model'] or wc.model)}"
        f" --generation '{json.dumps(generation)}' --seed {AUG['seed']} {compute_args()}"
    )


rule augment:
    input:
        unpack(augment_inputs),
    output:
        "results/augmented/{model}/{dataset}/{split}/shard-{shard}.jsonl",
    params:
        args=augment_args,
        shard=lambda wc: int(wc.shard),
        size=lambda wc: config["datasets"][wc.dataset]["questions_per_shard"],
        topk=TOPK,
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
        "{PRAG} augment --questions {input.questions} {params.args} --shard {params.shard}"
        " --shard-size {params.size} --topk {params.topk} --out {output} 2> {log}"


def reference_files(wc):
    """The reference's data_aug files of a dataset split, one per sub-type."""
    imp = AUG["import"]
    root = imp["root"] if wc.split == "eval" else imp["translator_root"]
    if not root:
        raise ValueError(f"augment.import.{'root' if wc.split == 'eval' else 'translator_root'} is not set")
    name = imp["dataset_names"].get(wc.dataset, wc.dataset)
    model = imp["model_names"].get(wc.model, wc.model)
    return {s: f"{root}/{name}/{model}/{s}.json" for s in settings(wc)["subsets"]}


rule import_augmented:
    input:
        questions="results/questions/{dataset}/{split}.jsonl",
        files=lambda wc: list(reference_files(wc).values()),
    output:
        "results/augmented/{model}/{dataset}/{split}/imported.jsonl",
    params:
        files=lambda wc: " ".join(f"--file {s}={p}" for s, p in reference_files(wc).items()),
        model_key=f"--model-key {AUG['import']['model_key']}" if AUG["import"]["model_key"] else "",
        topk=TOPK,
    log:
        "logs/import_augmented/{model}/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} import-augmented --questions {input.questions} {params.files} --topk {params.topk}"
        " {params.model_key} --out {output} 2> {log}"
