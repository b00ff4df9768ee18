# Result tables and plot over every (model, dataset, method) of `run`.


rule report:
    input:
        metrics_files(),
    output:
        csv=report("results/tables/metrics.csv", caption="../report/metrics.rst", category="Results"),
        markdown=report("results/tables/f1.md", caption="../report/f1.rst", category="Results"),
        plot=report("results/tables/f1.png", caption="../report/plot.rst", category="Results"),
    params:
        runs=" ".join(
            f"--run {m} {d} {meth} results/predictions/{m}/{d}/{meth}/metrics.json"
            for m in RUN["models"]
            for d in RUN["datasets"]
            for meth in RUN["methods"]
        ),
    log:
        "logs/report/report.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "{PRAG} report {params.runs} --csv {output.csv} --markdown {output.markdown} --plot {output.plot} 2> {log}"
