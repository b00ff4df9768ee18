# PRAG encoding: the shared initial adapter, then one LoRA per (question, passage), by shard.


rule init_adapter:
    input:
        lambda wc: model_input(wc.model),
    output:
        directory("results/lora/{model}/init_{shape}"),
    wildcard_constraints:
        shape=re.escape(shape_tag(config)),
    params:
        model=lambda wc: model_ref(wc.model),
        rank=LORA["rank"],
        alpha=LORA["alpha"],
        seed=LORA["seed"],
    log:
        "logs/init_adapter/{model}/{shape}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli init-adapter --model {params.model} --rank {params.rank} --alpha {params.alpha}"
        " --seed {params.seed} --out {output} 2> {log}"


rule encode:
    input:
        augmented="results/augmented/{model}/{dataset}/{split}/shard-{shard}.jsonl",
        init=init_adapter_dir,
        model=lambda wc: model_input(wc.model),
    output:
        "results/lora/{model}/{dataset}/{split}/{tag}/shard-{shard}/manifest.json",
    wildcard_constraints:
        tag=r"r\d+_a\d+_lr[^/]+_ep\d+",
    params:
        args=encode_args,
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
        "python -m parametric_rag.cli encode {params.args} --augmented {input.augmented} --init {input.init}"
        " --out {output} 2> {log}"
