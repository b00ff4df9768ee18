# Inference: one job per (model, dataset, method) over the evaluation shards.

INFER = config["inference"]


def infer_inputs(wc):
    inputs = {
        "augmented": augmented_shards(wc.model, wc.dataset, "eval"),
        "model": model_input(wc.model),
    }
    if wc.method in LORA_METHODS:
        inputs["manifests"] = lora_manifests(wc.model, wc.dataset, "eval")
    if wc.method in TRANSLATOR_METHODS:
        inputs["translator"] = translator_checkpoint(wc.model)
    return inputs


def translator_arg(wc, input):
    if wc.method not in TRANSLATOR_METHODS:
        return ""
    spec = {"checkpoint": input.translator, "rank": LORA["rank"], "alpha": LORA["alpha"], "width": TRANS["width"],
            "merge": TRANS["merge"], "delta_scaling": TRANS["delta_scaling"]}
    return f"--translator '{json.dumps(spec)}'"


def infer_settings(wc):
    """What the metrics file records as the settings behind it."""
    return json.dumps({
        "model": wc.model, "dataset": wc.dataset, "method": wc.method, **settings(wc),
        "retrieval": {k: config["retrieval"][k] for k in ("backend", "topk", "spare")},
        "augment_source": AUG["source"], "lora": LORA if wc.method in LORA_METHODS | TRANSLATOR_METHODS else None,
        "translator": {**TRANS, "tag": translator_tag(config, wc.model)} if wc.method in TRANSLATOR_METHODS else None,
        "inference": INFER, "compute": COMPUTE,
    }, default=list)


rule infer:
    input:
        unpack(infer_inputs),
    output:
        predictions="results/predictions/{model}/{dataset}/{method}/predictions.jsonl",
        metrics="results/predictions/{model}/{dataset}/{method}/metrics.json",
    params:
        ref=lambda wc: model_ref(wc.model),
        cot=cot_args,
        max_new_tokens=lambda wc: settings(wc)["max_new_tokens"],
        manifests=lambda wc, input: f"--manifests {' '.join(input.manifests)}" if "manifests" in input.keys() else "",
        translator=translator_arg,
        settings=infer_settings,
        compute=compute_args(),
    threads: COMPUTE["threads"]
    resources:
        gpu=1,
    log:
        "logs/infer/{model}/{dataset}/{method}.log",
    benchmark:
        "benchmarks/infer/{model}/{dataset}/{method}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} infer --model {params.ref} {params.compute} --method {wildcards.method} {params.cot}"
        " --augmented {input.augmented} {params.manifests} {params.translator} --max-new-tokens {params.max_new_tokens}"
        " --batch-size " + str(INFER["batch_size"]) + " --prompt-variant " + INFER["prompt_variant"] +
        " --settings '{params.settings}' --out-dir results/predictions/{wildcards.model}/{wildcards.dataset}/{wildcards.method}"
        " 2> {log}"
