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
    log:
        "logs/tables.log",
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
    params:
        themes=config["themes"]["definitions"],
    log:
        "logs/figures.log",
    script:
        "../scripts/make_figures.py"


rule html_report:
    input:
        unpack(report_inputs),
    output:
        "results/report.html",
    params:
        config=config,
    log:
        "logs/html_report.log",
    script:
        "../scripts/make_report.py"

