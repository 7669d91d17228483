# Evaluation against hand labels: theme precision/recall/F1 beside two baselines, topic
# coherence (NPMI) and diversity, and the stability of topics across random seeds.


rule evaluate:
    input:
        papers="results/tables/papers.csv",
        topics="results/tables/topics.csv",
        embeddings="results/interim/embeddings.npy",
        # the topic step's parameters: whose fit the stability measures (fit_id)
        info="results/interim/topics/topics.json",
        labels=config["evaluation"]["labels"] or [],
    output:
        report(
            "results/tables/evaluation.csv",
            caption="../report/evaluation.rst",
            category="Evaluation",
        ),
    params:
        config=config,
        # the zero-shot baseline's theme names: embedded once, no model loaded on a rerun
        embedding_cache="results/cache/embeddings",
        # the stability by topic fit (a rerun that placed new papers into known topics reuses
        # it) and the zero-shot predictions by their inputs (kept while no paper changes)
        evaluation_cache="results/cache/evaluation",
    # the stability refits and the zero-shot fits run in up to this many processes
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
