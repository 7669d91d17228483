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
        strict=config["input"]["strict"],
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
        warnings=report(
            "results/tables/parse_warnings.csv",
            caption="../report/parse_warnings.rst",
            category="Tables",
        ),
    params:
        other_files=OTHER_FILES,
    conda:
        CONDA_ENV
    log:
        "logs/merge_papers.log",
    script:
        "../scripts/merge_papers.py"
