# Result tables and plot over every (model, dataset, method, prompt variant, settings) of `run`,
# with intervals and paired tests; per-question comparisons; what augmentation kept and dropped;
# the published table's comparison.


rule report:
    input:
        unpack(job_inputs("report")),
    output:
        csv=report(PATHS["table_csv"], caption="../report/metrics.rst", category="Results"),
        markdown=report(PATHS["table_md"], caption="../report/f1.rst", category="Results"),
        plot=report(PATHS["table_plot"], caption="../report/plot.rst", category="Results"),
        wins=report(PATHS["wins"], caption="../report/wins.rst", category="Per question"),
        data_quality=report(PATHS["data_quality"], caption="../report/data_quality.rst", category="Data"),
        per_question=[
            report(p, caption="../report/per_question.rst", category="Per question")
            for p in PLAN.report_outputs()["per_question"]
        ],
        published=[
            report(PLAN.report_outputs()[k], caption="../report/published.rst", category="Published")
            for k in ("published_csv", "published_md")
            if k in PLAN.report_outputs()
        ],
    params:
        job=job_json("report"),
    log:
        "logs/report/report.log",
    benchmark:
        "benchmarks/report/report.tsv"
    conda:
        "../envs/prag.yaml"
    shell:
        "python -m parametric_rag.cli report --job {params.job:q} 2> {log}"
