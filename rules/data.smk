# Raw data: the bundled fictional world, public downloads, the packaged default model, questions.


rule fictional_world:
    output:
        [PATHS["fictional_world"].format(file=f) for f in (*WORLD_LAYOUT.values(), "manifest.json")],
    params:
        out=lambda wc, output: subpath(output[-1], parent=True),
        seed=config["fictional_world"]["seed"],
        n_single=config["fictional_world"]["n_single"],
        n_multi=config["fictional_world"]["n_multi_per_type"],
    log:
        "logs/fictional_world/fictional_world.log",
    benchmark:
        "benchmarks/fictional_world/fictional_world.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m fictional_world --out {params.out} --seed {params.seed} --n-single {params.n_single}"
        " --n-multi-per-type {params.n_multi} 2> {log}"


rule download:
    output:
        PATHS["download"],
    wildcard_constraints:
        name=alternatives(config["downloads"]),
    params:
        job=job_json("download"),
    log:
        "logs/download/{name}/{filename}.log",
    benchmark:
        "benchmarks/download/{name}/{filename}.tsv"
    retries: 2
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli download --job {params.job:q} 2> {log}"


rule unpack:
    input:
        unpack(job_inputs("unpack")),
    output:
        PATHS["raw"],
    wildcard_constraints:
        name=alternatives(config["downloads"]),
    params:
        job=job_json("unpack"),
    log:
        "logs/unpack/{name}/{file}.log",
    benchmark:
        "benchmarks/unpack/{name}/{file}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli unpack --job {params.job:q} 2> {log}"


rule prepare_model:
    output:
        PATHS["model"],
    params:
        job=job_json("prepare_model"),
    log:
        "logs/prepare_model/{model}.log",
    benchmark:
        "benchmarks/prepare_model/{model}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli prepare-model --job {params.job:q} 2> {log}"


rule questions:
    input:
        unpack(job_inputs("questions")),
    output:
        questions=PATHS["questions"],
        record=record_path(PATHS["questions"]),
    params:
        job=job_json("questions"),
    priority: translator_chain_first
    log:
        "logs/questions/{dataset}/{split}/{qtag}.log",
    benchmark:
        "benchmarks/questions/{dataset}/{split}/{qtag}.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli questions --job {params.job:q} 2> {log}"
