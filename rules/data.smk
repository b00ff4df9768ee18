# Raw data: the bundled benchmark, public downloads, the packaged default model, questions.


rule benchmark:
    output:
        BENCHMARK_FILES,
    params:
        out=lambda wc, output: subpath(output[-1], parent=True),
        seed=config["benchmark"]["seed"],
        n_single=config["benchmark"]["n_single"],
        n_multi=config["benchmark"]["n_multi_per_type"],
    log:
        "logs/benchmark/benchmark.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli benchmark --out {params.out} --seed {params.seed}"
        " --n-single {params.n_single} --n-multi-per-type {params.n_multi} 2> {log}"


rule download:
    output:
        "results/downloads/{name}/{filename}",
    wildcard_constraints:
        name=alternatives(DOWNLOADS),
    params:
        url=lambda wc: DOWNLOADS[wc.name]["url"],
        sha256=lambda wc: f"--sha256 {DOWNLOADS[wc.name]['sha256']}" if DOWNLOADS[wc.name]["sha256"] else "",
        record=lambda wc: f"results/downloads/{wc.name}.sha256",
    log:
        "logs/download/{name}/{filename}.log",
    retries: 2
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli download --url '{params.url}' --out {output} {params.sha256}"
        " --record {params.record} 2> {log}"


rule unpack:
    input:
        lambda wc: download_file(wc.name),
    output:
        "results/raw/{name}/{file}",
    wildcard_constraints:
        name=alternatives(DOWNLOADS),
    params:
        member=lambda wc: f"--member '{DOWNLOADS[wc.name]['files'][wc.file]}'" if DOWNLOADS[wc.name]["files"].get(wc.file) else "",
    log:
        "logs/unpack/{name}/{file}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli unpack --archive {input} {params.member} --out {output} 2> {log}"


rule prepare_model:
    output:
        "results/models/{model}/manifest.json",
    params:
        out=subpath(output[0], parent=True),
        package=lambda wc: config["models"][wc.model]["gguf"]["package"],
        file=lambda wc: config["models"][wc.model]["gguf"]["file"],
    log:
        "logs/prepare_model/{model}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli prepare-model --package {params.package} --file {params.file} --out {params.out} 2> {log}"


rule questions:
    input:
        dataset_files,
    output:
        "results/questions/{dataset}/{split}.jsonl",
    params:
        args=questions_args,
    log:
        "logs/questions/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli questions {params.args} --split {wildcards.split} --out {output} 2> {log}"
