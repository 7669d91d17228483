# Theme assignment: semantic, topic and term evidence combined into a score per paper and theme.


rule assign_themes:
    input:
        papers="results/interim/papers.jsonl",
        embeddings="results/interim/embeddings.npy",
        theme_vectors="results/interim/theme_vectors.npz",
        assignments="results/interim/topics/assignments.csv",
    output:
        "results/interim/themes.csv",
    params:
        themes=config["themes"],
    conda:
        CONDA_ENV
    log:
        "logs/assign_themes.log",
    benchmark:
        "results/benchmarks/assign_themes.tsv"
    script:
        "../scripts/assign_themes.py"
