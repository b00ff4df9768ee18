# Result tables and plot over every (model, dataset, method) of `run`.


rule report:
    input:
        [path for *_, path in report_runs()],
    output:
        csv=report("results/tables/metrics.csv", caption="../report/metrics.rst", category="Results"),
        markdown=report("results/tables/f1.md", caption="../report/f1.rst", category="Results"),
        plot=report("results/tables/f1.png", caption="../report/plot.rst", category="Results"),
    params:
        runs=" ".join(f"--run {m} {d} {meth} {v} {path}" for m, d, meth, v, path in report_runs()),
    log:
        "logs/report/report.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli report {params.runs} --csv {output.csv} --markdown {output.markdown}"
        " --plot {output.plot} 2> {log}"
