# What changed since the previous run; stores this run as the snapshot the next run compares
# with (results/history/, read by fit_topics to keep topic ids stable).


rule changes:
    input:
        papers="results/tables/papers.csv",
        topics="results/tables/topics.csv",
        listings="results/interim/listings.csv",
        info="results/interim/topics/topics.json",
        centroids="results/interim/topics/centroids.npy",
    output:
        report(
            "results/tables/changes.csv", caption="../report/changes.rst", category="Tables"
        ),
    params:
        themes=config["themes"],
        history=HISTORY,
    conda:
        CONDA_ENV
    log:
        "logs/changes.log",
    script:
        "../scripts/record_changes.py"
