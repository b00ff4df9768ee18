# PRAG encoding: the shared initial adapter, then one LoRA per (question, passage), by shard.

LORA = config["lora"]


rule init_adapter:
    input:
        lambda wc: model_input(wc.model),
    output:
        directory("results/lora/{model}/init_{shape}"),
    params:
        ref=lambda wc: model_ref(wc.model),
    wildcard_constraints:
        shape=re.escape(shape_tag(config)),
    log:
        "logs/init_adapter/{model}/{shape}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} init-adapter --model {params.ref} --rank " + str(LORA["rank"]) + " --alpha " + str(LORA["alpha"]) +
        " --seed " + str(LORA["seed"]) + " --out {output} 2> {log}"


rule encode:
    input:
        augmented="results/augmented/{model}/{dataset}/{split}/shard-{shard}.jsonl",
        init=lambda wc: f"results/lora/{wc.model}/init_{shape_tag(config)}",
        model=lambda wc: model_input(wc.model),
    output:
        "results/lora/{model}/{dataset}/{split}/{tag}/shard-{shard}/manifest.json",
    wildcard_constraints:
        tag=r"r\d+_a\d+_lr[^/]+_ep\d+",
    params:
        ref=lambda wc: model_ref(wc.model),
        epochs=lambda wc: settings(wc)["epochs"],
        cot=cot_args,
        reuse="" if LORA["reuse_identical"] else "--no-reuse",
        compute=compute_args(),
    threads: COMPUTE["threads"]
    resources:
        gpu=1,
    log:
        "logs/encode/{model}/{dataset}/{split}/{tag}/shard-{shard}.log",
    benchmark:
        "benchmarks/encode/{model}/{dataset}/{split}/{tag}/shard-{shard}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} encode --model {params.ref} {params.compute} --augmented {input.augmented} --init {input.init}"
        " --rank " + str(LORA["rank"]) + " --alpha " + str(LORA["alpha"]) + " --lr " + str(LORA["lr"]) +
        " --max-length " + str(LORA["max_length"]) + " --epochs {params.epochs} {params.cot} {params.reuse}"
        " --out {output} 2> {log}"
