# Vectorisation: sentence embeddings of every unique paper (cached by model and text, so a
# new listing costs only its new papers), plus the theme texts the theme scorer compares with.
# With embedding.per_listing (profiles/slurm), one embed_listing job per listing fills the cache
# first, and the embed job finds everything there and only assembles the arrays.


rule embed_listing:
    input:
        listing="results/interim/parsed/{listing}.json",
    output:
        "results/interim/embedded/{listing}.json",
    params:
        embedding=config["embedding"],
        themes=config["themes"],
        cache_dir="results/cache/embeddings",
    threads: 1
    resources:
        mem_mb=2048,
        runtime=30,
    conda:
        CONDA_ENV
    log:
        "logs/embed_listing/{listing}.log",
    script:
        "../scripts/embed_listing.py"


rule embed:
    input:
        papers="results/interim/papers.jsonl",
        listings=embedded_listings,
    output:
        embeddings="results/interim/embeddings.npy",
        themes="results/interim/theme_vectors.npz",
    params:
        embedding=config["embedding"],
        themes=config["themes"],
        cache_dir="results/cache/embeddings",
    threads: 4
    resources:
        mem_mb=4096,
        runtime=240,
    conda:
        CONDA_ENV
    log:
        "logs/embed.log",
    benchmark:
        "results/benchmarks/embed.tsv"
    script:
        "../scripts/embed.py"
