# Reports: the output tables, the figures and the self-contained HTML report.


rule tables:
    input:
        papers="results/interim/papers.jsonl",
        listings="results/interim/listings.csv",
        assignments="results/interim/topics/assignments.csv",
        info="results/interim/topics/topics.json",
        themes="results/interim/themes.csv",
    output:
        papers=report(
            "results/tables/papers.csv", caption="../report/papers.rst", category="Tables"
        ),
        topics=report(
            "results/tables/topics.csv", caption="../report/topics.rst", category="Tables"
        ),
        themes=report(
            "results/tables/themes.csv", caption="../report/themes.rst", category="Tables"
        ),
        by_listing=report(
            "results/tables/themes_by_listing.csv",
            caption="../report/themes_by_listing.rst",
            category="Tables",
        ),
        over_time=report(
            "results/tables/themes_over_time.csv",
            caption="../report/themes_over_time.rst",
            category="Tables",
        ),
    params:
        themes=config["themes"]["definitions"],
        topics=config["topics"],
        terms=config["terms"],
    conda:
        CONDA_ENV
    log:
        "logs/tables.log",
    benchmark:
        "results/benchmarks/tables.tsv"
    script:
        "../scripts/make_tables.py"


rule figures:
    input:
        papers="results/tables/papers.csv",
        themes="results/tables/themes.csv",
        by_listing="results/tables/themes_by_listing.csv",
        over_time="results/tables/themes_over_time.csv",
    output:
        **{
            f"{figure}_{ext}": report(
                f"results/figures/{figure}.{ext}",
                caption=f"../report/fig_{figure}.rst",
                category="Figures",
                labels={"figure": figure, "format": ext},
            )
            for figure in FIGURES
            for ext in ("png", "svg")
        },
    conda:
        CONDA_ENV
    log:
        "logs/figures.log",
    benchmark:
        "results/benchmarks/figures.tsv"
    script:
        "../scripts/make_figures.py"


rule html_report:
    input:
        unpack(report_inputs),
        centroids="results/interim/topics/centroids.npy",
        # the template and the CSS and JavaScript it inlines: editing them rebuilds the report
        template=Path(workflow.basedir) / "workflow/report/report.html.j2",
        script=Path(workflow.basedir) / "workflow/report/report.js",
        style=Path(workflow.basedir) / "workflow/report/report.css",
    output:
        report(
            "results/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    params:
        config=config,
    conda:
        CONDA_ENV
    log:
        "logs/html_report.log",
    benchmark:
        "results/benchmarks/html_report.tsv"
    script:
        "../scripts/make_report.py"

