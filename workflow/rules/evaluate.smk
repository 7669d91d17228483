# Evaluation against hand labels: theme precision/recall/F1 beside two baselines, topic
# coherence (NPMI) and diversity, and the stability of topics across random seeds.


rule evaluate:
    input:
        papers="results/tables/papers.csv",
        topics="results/tables/topics.csv",
        embeddings="results/interim/embeddings.npy",
        labels=config["evaluation"]["labels"] or [],
    output:
        report(
            "results/tables/evaluation.csv",
            caption="../report/evaluation.rst",
            category="Evaluation",
        ),
    params:
        config=config,
    threads: 2
    resources:
        mem_mb=8192,
        runtime=240,
    conda:
        CONDA_ENV
    log:
        "logs/evaluate.log",
    benchmark:
        "results/benchmarks/evaluate.tsv"
    script:
        "../scripts/evaluate.py"
