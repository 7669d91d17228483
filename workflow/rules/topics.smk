# Topic modelling: BERTopic on UMAP + HDBSCAN over the cached embeddings, and the 2-D map.


rule fit_topics:
    input:
        papers="results/interim/papers.jsonl",
        embeddings="results/interim/embeddings.npy",
    output:
        assignments="results/interim/topics/assignments.csv",
        info="results/interim/topics/topics.json",
        centroids="results/interim/topics/centroids.npy",
    params:
        topics=config["topics"],
        terms=config["terms"],
        embedding=EMBEDDING,
        history=HISTORY,
    threads: 2
    resources:
        mem_mb=8192,
        runtime=120,
    conda:
        CONDA_ENV
    log:
        "logs/fit_topics.log",
    benchmark:
        "results/benchmarks/fit_topics.tsv"
    script:
        "../scripts/fit_topics.py"
