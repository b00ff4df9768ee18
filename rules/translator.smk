# DyPRAG: the parameter translator, trained on the translator splits' passage LoRAs, or imported.


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
        args=translator_training_args,
        out=subpath(output.losses, parent=True),
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
        "python -m parametric_rag.cli train-translator {params.args} --out-dir {params.out} 2> {log}"


rule import_translator:
    input:
        checkpoint=lambda wc: TRANS["checkpoints"][wc.model],
        model=lambda wc: model_input(wc.model),
    output:
        "results/translator/{model}/imported/epoch_0.pt",
    params:
        model=lambda wc: model_ref(wc.model),
        width=TRANS["width"],
        rank=LORA["rank"],
    log:
        "logs/import_translator/{model}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli import-translator --model {params.model} --checkpoint {input.checkpoint}"
        " --width {params.width} --rank {params.rank} --out {output} 2> {log}"
