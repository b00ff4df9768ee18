# Result tables and plot over every (model, dataset, method, prompt variant, settings) of `run`.


rule report:
    input:
        unpack(lambda wc: PLAN.job("report", {}).inputs),
    output:
        csv=report(PATHS["table_csv"], caption="../report/metrics.rst", category="Results"),
        markdown=report(PATHS["table_md"], caption="../report/f1.rst", category="Results"),
        plot=report(PATHS["table_plot"], caption="../report/plot.rst", category="Results"),
    params:
        job=lambda wc: PLAN.job("report", {}).to_json(),
    log:
        "logs/report/report.log",
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli report --job {params.job:q} 2> {log}"
