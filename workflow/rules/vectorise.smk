# Vectorisation: sentence embeddings of every unique paper (cached by model and text, so a
# new listing costs only its new papers), plus the theme texts the theme scorer compares with.


rule embed:
    input:
        papers="results/interim/papers.jsonl",
    output:
        embeddings="results/interim/embeddings.npy",
        themes="results/interim/theme_vectors.npz",
    params:
        embedding=config["embedding"],
        themes=config["themes"],
        cache_dir="results/cache/embeddings",
    threads: 4
    conda:
        CONDA_ENV
    log:
        "logs/embed.log",
    benchmark:
        "results/benchmarks/embed.tsv"
    script:
        "../scripts/embed.py"
