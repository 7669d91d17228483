# Parsing: one job per listing file (text, JSON lines, CSV, BibTeX or Atom, by extension),
# then all listings merged into unique papers. Both write their outputs atomically.


wildcard_constraints:
    listing="[^/]+",


rule parse_listing:
    input:
        listing_path,
    output:
        "results/interim/parsed/{listing}.json",
    params:
        file_stat=listing_stat,
        year=config["input"]["year"],
    conda:
        CONDA_ENV
    log:
        "logs/parse/{listing}.log",
    script:
        "../scripts/parse_listing.py"


rule merge_papers:
    input:
        parsed_listings,
    output:
        papers="results/interim/papers.jsonl",
        listings="results/interim/listings.csv",
        warnings="results/interim/listing_warnings.csv",
    conda:
        CONDA_ENV
    log:
        "logs/merge_papers.log",
    script:
        "../scripts/merge_papers.py"


# The folder's other files (a README, a subfolder) join the warnings here, not in
# merge_papers: adding one reruns this and the report, not everything after the merge.
rule parse_warnings:
    input:
        "results/interim/listing_warnings.csv",
    output:
        report(
            "results/tables/parse_warnings.csv",
            caption="../report/parse_warnings.rst",
            category="Tables",
        ),
    params:
        other_files=OTHER_FILES,
    conda:
        CONDA_ENV
    log:
        "logs/parse_warnings.log",
    script:
        "../scripts/parse_warnings.py"
