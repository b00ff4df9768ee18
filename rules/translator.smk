# DyPRAG: the parameter translator, trained on the translator splits' passage LoRAs, or imported.

TRANS = config["translator"]


def translator_dir(model):
    return f"results/translator/{model}/{translator_tag(config, model)}"


def translator_checkpoint(model):
    """The checkpoint DyPRAG inference uses (the configured epoch, else the last)."""
    if model in TRANS["checkpoints"]:
        return f"{translator_dir(model)}/epoch_0.pt"
    epoch = (TRANS["inference_epoch"] or TRANS["epochs"]) - 1
    return f"{translator_dir(model)}/epoch_{epoch}.pt"


def translator_training_inputs(wc):
    inputs = {"model": model_input(wc.model), "manifests": [], "augmented": []}
    for d in translator_datasets(config):
        inputs["manifests"] += lora_manifests(wc.model, d, "translator")
        inputs["augmented"] += augmented_shards(wc.model, d, "translator")
    return inputs


def translator_shard_args(wc):
    """--shard DATASET MANIFEST AUGMENTED PROMPT for every translator-split shard."""
    args = []
    for d in translator_datasets(config):
        s = dataset_settings(config, d, wc.model)
        prompt = f"cot:{s['fewshot']}" if s["cot"] else "direct"
        for manifest, augmented in zip(lora_manifests(wc.model, d, "translator"), augmented_shards(wc.model, d, "translator")):
            args.append(f"--shard {d} {manifest} {augmented} {prompt}")
    return " ".join(args)


rule train_translator:
    input:
        unpack(translator_training_inputs),
    output:
        checkpoints=[f"results/translator/{{model}}/{{ttag}}/epoch_{e}.pt" for e in range(TRANS["epochs"])],
        losses=report("results/translator/{model}/{ttag}/losses.csv", caption="../report/losses.rst", category="Translator"),
        plot=report("results/translator/{model}/{ttag}/losses.png", caption="../report/losses.rst", category="Translator"),
    wildcard_constraints:
        ttag=r"p\d+_[^/]+",
    params:
        ref=lambda wc: model_ref(wc.model),
        shards=translator_shard_args,
        compute=compute_args(),
    threads: COMPUTE["threads"]
    resources:
        gpu=1,
    log:
        "logs/train_translator/{model}/{ttag}.log",
    benchmark:
        "benchmarks/train_translator/{model}/{ttag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} train-translator --model {params.ref} {params.compute} {params.shards}"
        " --epochs " + str(TRANS["epochs"]) + " --lr " + str(TRANS["lr"]) + " --width " + str(TRANS["width"]) +
        " --rank " + str(LORA["rank"]) + " --sample-rate " + str(TRANS["sample_rate"]) + " --seed " + str(TRANS["seed"]) +
        " --kl-weight " + str(TRANS["kl_weight"]) + " --mse-weight " + str(TRANS["mse_weight"]) +
        " --delta-scaling " + TRANS["delta_scaling"] + " --out-dir results/translator/{wildcards.model}/{wildcards.ttag} 2> {log}"


rule import_translator:
    input:
        checkpoint=lambda wc: TRANS["checkpoints"][wc.model],
        model=lambda wc: model_input(wc.model),
    output:
        "results/translator/{model}/imported/epoch_0.pt",
    params:
        ref=lambda wc: model_ref(wc.model),
    log:
        "logs/import_translator/{model}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} import-translator --model {params.ref} --checkpoint {input.checkpoint} --width " + str(TRANS["width"]) +
        " --rank " + str(LORA["rank"]) + " --out {output} 2> {log}"
