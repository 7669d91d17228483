"""Unit tests of theme assignment with small synthetic papers and vectors (no model, no network)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from papertopics.themes import (
    Theme,
    ThemeSettings,
    candidate_sentences,
    find_terms,
    keyword_baseline,
    keyword_hits,
    list_mention,
    score_themes,
    split_sentences,
    theme_metrics,
    theme_texts,
    themes_from_config,
)

CONFIG = {
    "themes": {
        "scoring": {"threshold": 0.5, "neighbour_weight": 0.0},
        "definitions": [
            {
                "key": "federated_learning",
                "label": "Federated learning",
                "description": "Federated learning: clients train a shared model on private data.",
                "keywords": ["federated", "FedAvg"],
                "exclude": ["federated search"],
            },
            {
                "key": "distillation",
                "label": "Knowledge distillation",
                "description": "Knowledge distillation: a student imitates a teacher model.",
                "keywords": ["knowledge distillation", "distill", "teacher", "imitate"],
                "exclude": ["mean teacher", "imitation learning"],
            },
            {
                "key": "moe",
                "label": "Mixture of experts",
                "description": "Mixture of experts: a router sends each input to a few experts.",
                "keywords": ["mixture of experts", "MoE", "expert"],
                "exclude": ["mixture of denoisers", "expert annotat", "human expert"],
            },
            {
                "key": "continual_learning",
                "label": "Continual learning",
                "description": "Continual learning: learning a sequence of tasks, no forgetting.",
                "keywords": ["continual", "lifelong", "catastrophic forgetting"],
                "exclude": ["curriculum learning", "lifelong user", "lifelong behavio"],
            },
            {
                "key": "tool_use",
                "label": "Tool use",
                "description": "Tool use: a language model calls external tools and APIs.",
                "keywords": ["tool", "API", "function calling"],
                "exclude": ["useful tool", "imitation learning"],
            },
        ],
    }
}
THEMES, SETTINGS = themes_from_config(CONFIG)
KEYS = [t.key for t in THEMES]
DIM = 8


def theme(key: str) -> Theme:
    return next(t for t in THEMES if t.key == key)


def axis(*weights: tuple[int, float]) -> np.ndarray:
    """A unit vector with the given (dimension, weight) components."""
    v = np.zeros(DIM)
    for d, w in weights:
        v[d] = w
    return v / np.linalg.norm(v)


# Theme j lives on axis j; axes 5..7 are "other ML topics".
THEME_EMB = np.eye(DIM)[: len(THEMES)]
OTHER = axis((6, 1.0))


def run(papers, paper_vecs, sentence_vec, topics=None, settings=SETTINGS):
    """Score papers; ``sentence_vec(paper_pos, theme_key, sentence)`` gives a sentence vector."""
    titles = [p[0] for p in papers]
    abstracts = [p[1] for p in papers]
    cands = candidate_sentences(titles, abstracts, THEMES, settings.sentences_per_theme)
    sent_emb = np.array(
        [sentence_vec(r.row, r.theme, r.sentence) for r in cands.itertuples()]
    ).reshape(len(cands), DIM)
    return score_themes(
        titles=titles,
        abstracts=abstracts,
        paper_vectors=np.array(paper_vecs),
        themes=THEMES,
        theme_vectors=THEME_EMB,
        candidates=cands,
        candidate_vectors=sent_emb,
        topics=topics,
        settings=settings,
        index=[f"p{i}" for i in range(len(papers))],
    )


def on_sense(_paper, key, _sentence):
    """A hit sentence about the theme (cosine 0.6 with its description, like real sentences)."""
    v = np.zeros(DIM)
    v[KEYS.index(key)], v[6] = 0.6, 0.8
    return v


def off_sense(_paper, _key, _sentence):
    return OTHER


# --- config ---------------------------------------------------------------------------------


def test_themes_from_config_reads_block_and_whole_config():
    themes, settings = themes_from_config(CONFIG["themes"])
    assert [t.key for t in themes] == KEYS
    assert themes[0].keywords == ("federated", "FedAvg")
    assert themes[2].exclude[0] == "mixture of denoisers"
    assert settings.neighbour_weight == 0.0
    assert settings.term_weight == ThemeSettings().term_weight  # default kept
    assert themes_from_config(CONFIG)[0] == themes


def test_themes_from_config_rejects_unknown_scoring_key_and_duplicates():
    bad = {"scoring": {"treshold": 0.4}, "definitions": CONFIG["themes"]["definitions"]}
    with pytest.raises(ValueError, match="treshold"):
        themes_from_config(bad)
    dup = {"definitions": CONFIG["themes"]["definitions"][:1] * 2}
    with pytest.raises(ValueError, match="duplicate"):
        themes_from_config(dup)


def test_repo_config_themes_block_is_valid():
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())
    themes, settings = themes_from_config(config)
    assert {t.key for t in themes} == set(KEYS)
    assert 0 < settings.threshold < 1
    assert all(t.description and t.keywords for t in themes)


def test_repo_config_counts_continual_pre_training_only_with_forgetting():
    # The labelling rules: continual pre-training is continual learning only when forgetting or
    # sequential updating is studied, so the phrase is a supporting term of the theme.
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())
    themes, _ = themes_from_config(config)
    continual = next(t for t in themes if t.key == "continual_learning")
    assert find_terms("We study continual pre-training on domain data.", continual) == []
    assert find_terms("We continually pre-train a 3B model on code.", continual) == []
    assert find_terms("Continual pretraining causes catastrophic forgetting.", continual) == [
        "continual pre-training",
        "catastrophic forgetting",
    ]


def test_theme_texts_one_description_per_theme_in_order():
    assert theme_texts(THEMES) == [t.description for t in THEMES]


# --- term matching --------------------------------------------------------------------------


def test_split_sentences():
    text = "We study FL. It works, e.g. for phones! Does it? 3 results follow."
    assert split_sentences(text) == [
        "We study FL.",
        "It works, e.g. for phones!",
        "Does it?",
        "3 results follow.",
    ]


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("federated_learning", "We propose a federated learning method.", ["federated"]),
        ("federated_learning", "Federated search over many databases is fast.", []),
        ("distillation", "We distill a large model via knowledge distillation.", 2),
        ("distillation", "A mean teacher produces pseudo-labels.", []),
        ("distillation", "Imitation learning for robot manipulation.", []),
        ("moe", "UL2 trains with a mixture of denoisers objective.", []),
        ("moe", "Labels were produced by expert annotators and human experts.", []),
        ("moe", "A sparse Mixture-of-Experts (MoE) layer with 64 experts.", 3),
        ("moe", "The moe of the model.", []),  # acronyms are case-sensitive
        ("continual_learning", "We use curriculum learning (CL) to order examples.", []),
        ("continual_learning", "Modelling lifelong user behaviour sequences.", []),
        ("continual_learning", "Continual learning avoids catastrophic forgetting.", 2),
        ("tool_use", "ChatGPT is a useful tool for teachers.", []),
        ("tool_use", "The agent calls APIs and other tools.", ["API", "tool"]),
    ],
)
def test_find_terms(key, text, expected):
    found = find_terms(text, theme(key))
    if isinstance(expected, int):
        assert len(found) == expected
    else:
        assert found == expected


def test_capitalised_words_of_a_phrase_match_case_sensitively_the_others_not():
    phrases = Theme("t", "T", "d", keywords=("agentic RAG", "FL client"))
    assert find_terms("Agentic RAG beats agentic RAG.", phrases) == ["agentic RAG"] * 2
    assert find_terms("agentic rag, fl client", phrases) == []
    assert find_terms("FL Clients and FL clients.", phrases) == ["FL client"] * 2


def test_longer_keyword_wins_and_hyphens_match_spaces():
    assert find_terms("Knowledge-distillation helps.", theme("distillation")) == [
        "knowledge distillation"
    ]


def test_a_star_in_a_keyword_stands_for_one_to_three_words():
    moe = Theme(
        "moe",
        "MoE",
        "Mixture of experts.",
        keywords=("mixture of expert", "mixture of * expert"),
        exclude=("human expert",),
    )
    assert find_terms("A Mixture of LoRA Experts (MoLE).", moe) == ["mixture of * expert"]
    assert find_terms("a mixture of dynamic low-rank experts", moe) == ["mixture of * expert"]
    assert find_terms("Mixture-of-Expert layers and a mixture of experts", moe) == [
        "mixture of expert",
        "mixture of expert",
    ]
    assert find_terms("a mixture of human experts", moe) == []  # the exclusion still holds
    assert find_terms("a mixture of very many small LoRA experts", moe) == []  # four words
    assert find_terms("mixture of  experts", moe) == ["mixture of expert"]
    for bad in ("* expert", "mixture of *", "mixture * * expert"):
        with pytest.raises(ValueError, match="between two words"):
            find_terms("a mixture of experts", Theme("moe", "MoE", "x", keywords=(bad,)))
    # the quick test for papers that cannot hit skips the star
    assert keyword_hits(["T"], ["A mixture of LoRA experts."], [moe])["terms"].tolist() == [
        "mixture of * expert"
    ]


ROUTING = Theme(
    key="moe",
    label="Mixture of experts",
    description="Mixture of experts.",
    keywords=("mixture of experts", "MoE"),
    supporting=("expert", "routing"),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # supporting terms alone are no evidence, however many
        ("Routing queries to LLMs: a routing layer picks the expert model.", []),
        # beside a keyword, anywhere in the text, they count
        (
            "Routing in an MoE layer sends tokens to experts.",
            ["routing", "MoE", "expert"],
        ),
        ("A sparse mixture-of-experts model.", ["mixture of experts"]),
    ],
)
def test_supporting_terms_count_only_beside_a_keyword(text, expected):
    assert find_terms(text, ROUTING) == expected


def test_supporting_terms_need_a_keyword_in_the_same_paper_not_sentence():
    titles = ["Sparse Models", "LLM Routing"]
    abstracts = [
        "We train an MoE. Its routing balances the experts.",
        "A router sends each query to one expert LLM. Routing cuts cost.",
    ]
    cands = candidate_sentences(titles, abstracts, [ROUTING], max_per_theme=5)
    assert set(cands["row"]) == {0}
    assert "Its routing balances the experts." in set(cands["sentence"])


def test_themes_from_config_reads_supporting_terms():
    config = {
        "definitions": [
            {
                "key": "moe",
                "description": "Mixture of experts: a router picks experts.",
                "keywords": ["MoE"],
                "supporting": ["routing"],
            }
        ]
    }
    (moe,), _ = themes_from_config(config)
    assert moe.supporting == ("routing",)
    assert find_terms("Routing alone.", moe) == []


@pytest.mark.parametrize(
    ("sentence", "term", "expected"),
    [
        # one item of a list of examples or of others' work: a passing mention
        (
            "Prior work explored regularization, rehearsal, replay, and distillation.",
            "distil",
            True,
        ),
        (
            "Techniques such as pruning, mixture of experts (MoE), and caching are discussed.",
            "mixture",
            True,
        ),
        (
            "Existing methods, including distillation, pruning, and quantization, are slow.",
            "distil",
            True,
        ),
        (
            "It outperforms supervised distillation, RL methods, and human annotations.",
            "distil",
            True,
        ),
        # the paper's own content: a list without a cue, or an example cue far from the list
        (
            "The benchmark has 500 queries, including single-tool calls, multi-tool workflows,"
            " and dialogues.",
            "tool",
            False,
        ),
        (
            "Systems such as OpenClaw show that agents can operate a computer for hours,"
            " orchestrate workflows, and integrate external tools.",
            "tool",
            False,
        ),
        ("The method has three stages: pretraining, distillation, and alignment.", "distil", False),
        # a cue without a list
        ("Unlike prior work, we distill a large teacher into a small student.", "distil", False),
        ("Prior work has used distillation, which we extend to graphs.", "distil", False),
        # a long stretch between commas is a clause, not an item
        (
            "Prior methods such as distilling the large teacher model into a small student network,"
            " pruning, and quantization fail.",
            "distil",
            False,
        ),
        # commas inside brackets do not make a list
        (
            "We compare with prior work (pruning, caching, and quantization) and use distillation.",
            "distil",
            False,
        ),
    ],
)
def test_list_mention(sentence, term, expected):
    assert list_mention(sentence, sentence.index(term)) is expected


def test_passing_mentions_are_no_evidence_unless_the_theme_counts_them():
    from dataclasses import replace

    titles = ["Graph Networks", "Distillation, Pruning, and Quantization for LLMs"]
    abstracts = [
        "Prior work tried pruning, caching, and knowledge distillation. We study graphs.",
        "We compare three compression methods.",
    ]
    distil = theme("distillation")
    hits = keyword_hits(titles, abstracts, [distil])
    assert list(hits["row"]) == [1]  # the title's list is the paper's own subject
    counted = keyword_hits(titles, abstracts, [replace(distil, list_mentions=True)])
    assert list(counted["row"]) == [0, 1]
    # a supporting term left beside a keyword met only in passing is no evidence either
    moe = keyword_hits(
        ["Sparse Models"],
        ["Tricks such as pruning, MoE, and caching help. Routing picks the expert."],
        [ROUTING],
    )
    assert moe.empty


def test_themes_from_config_reads_list_mentions():
    config = {
        "definitions": [
            {
                "key": "x",
                "description": "A theme of its own.",
                "keywords": ["x"],
                "list_mentions": True,
            }
        ]
    }
    (x,), _ = themes_from_config(config)
    assert x.list_mentions is True
    assert theme("distillation").list_mentions is False


def test_candidate_sentences_only_hit_sentences_capped_per_theme():
    titles = ["Federated Learning on Phones", "A Study of Vision"]
    abstracts = [
        "Clients train locally. We use FedAvg. Federated training is slow. Nothing else.",
        "We classify images with a CNN.",
    ]
    cands = candidate_sentences(titles, abstracts, THEMES, max_per_theme=2)
    assert list(cands.columns) == ["row", "theme", "sentence", "terms"]
    assert set(cands["row"]) == {0}
    assert (cands["theme"] == "federated_learning").all()
    assert len(cands) == 2
    assert cands["sentence"].iloc[0] == "Federated Learning on Phones"
    assert "Nothing else." not in set(cands["sentence"])


# --- scoring --------------------------------------------------------------------------------


def test_true_theme_paper_is_assigned_with_evidence():
    papers = [
        (
            "Communication-Efficient Federated Learning",
            "Many clients train a model with federated averaging. The federated server "
            "aggregates updates. FedAvg is the baseline.",
        )
    ]
    res = run(papers, [axis((0, 0.8), (6, 0.6))], on_sense)
    assert res.assigned.loc["p0", "federated_learning"]
    assert res.assigned.loc["p0"].sum() == 1
    ev = res.evidence.loc["p0", "federated_learning"]
    assert ev.startswith("terms: federated")
    assert 'sentence: "' in ev
    assert res.evidence.loc["p0", "moe"] == ""
    assert res.scores.index.tolist() == ["p0"]
    assert ((res.scores >= 0) & (res.scores <= 1)).all().all()


def test_a_paper_just_below_the_threshold_is_borderline_with_its_evidence():
    papers = [
        ("Federated Learning", "Many clients train a model with federated averaging."),
        ("Image captions", "We caption images with a transformer."),
    ]
    vecs = [axis((0, 0.8), (6, 0.6)), OTHER]
    score = run(papers, vecs, on_sense).scores.loc["p0", "federated_learning"]
    above = replace(SETTINGS, threshold=score + 0.01, review_threshold=score - 0.01)
    res = run(papers, vecs, on_sense, settings=above)
    assert not res.assigned.loc["p0", "federated_learning"]
    assert res.borderline.loc["p0", "federated_learning"]
    assert res.evidence.loc["p0", "federated_learning"].startswith("terms: federated")
    assert not res.borderline.loc["p1"].any() and (res.evidence.loc["p1"] == "").all()
    # a member is never borderline; a review threshold at the threshold lists none
    default = run(papers, vecs, on_sense)
    assert default.assigned.loc["p0", "federated_learning"]
    assert not (default.borderline & default.assigned).any().any()
    none = replace(SETTINGS, threshold=score + 0.01, review_threshold=score + 0.01)
    assert not run(papers, vecs, on_sense, settings=none).borderline.any().any()


@pytest.mark.parametrize(
    ("title", "abstract", "key"),
    [
        (
            "Federated Search over Databases",
            "We study federated search across many sources. Federated search merges results.",
            "federated_learning",
        ),
        (
            "UL2: Unifying Language Learning",
            "We pre-train with a mixture of denoisers. The model beats experts in the field.",
            "moe",
        ),
        (
            "Curriculum Learning for Parsing",
            "We apply curriculum learning (CL). CL orders examples from easy to hard.",
            "continual_learning",
        ),
        (
            "Lifelong Sequential Recommendation",
            "We model lifelong user behaviour. Lifelong user histories are long.",
            "continual_learning",
        ),
        (
            "Robot Manipulation",
            "We train robots with imitation learning to use a tool. The tool is a hammer.",
            "tool_use",
        ),
    ],
)
def test_surface_word_in_other_sense_is_not_enough(title, abstract, key):
    # The paper is about something else (vector on another axis) and hit sentences, if any,
    # are off-sense; the theme must not be assigned.
    res = run([(title, abstract)], [axis((6, 1.0))], off_sense)
    assert not res.assigned.loc["p0", key]
    assert res.scores.loc["p0", key] < 0.2


def test_off_sense_keyword_hits_score_lower_than_on_sense():
    papers = [("Tools", "The tool helps. Our tool is used. Tool support matters.")]
    vec = [axis((4, 0.3), (6, 1.0))]
    on = run(papers, vec, on_sense).scores.loc["p0", "tool_use"]
    off = run(papers, vec, off_sense).scores.loc["p0", "tool_use"]
    assert off < SETTINGS.threshold <= on


def test_semantic_similarity_and_one_on_sense_term_combine():
    # Similarity alone raises the score but is not enough; one on-sense keyword hit on top is.
    close, far = axis((0, 1.0), (6, 0.35)), axis((0, 0.2), (6, 1.0))
    plain = ("Training Across Silos", "Hospitals jointly train a model on private records.")
    worded = ("Training Across Silos", "Hospitals jointly train a federated model.")
    res = run([plain, plain, worded, worded], [close, far, close, far], on_sense)
    s = res.scores["federated_learning"]
    assert res.extra["hits"]["federated_learning"].tolist() == [0, 0, 1, 1]
    assert s["p1"] < s["p0"] < SETTINGS.threshold
    assert s["p3"] < SETTINGS.threshold <= s["p2"]
    assert res.assigned["federated_learning"].tolist() == [False, False, True, False]


def test_a_sentence_with_a_specific_keyword_counts_more():
    # "function calling" (several words) and "API" (an acronym) rarely mean anything else;
    # "tool" often does. One sentence each, the same vectors: only the count differs.
    papers = [
        ("Agents", "The model learns function calling."),
        ("Agents", "The model learns to call an API."),
        ("Agents", "The model learns to use a tool."),
    ]
    vecs = [axis((4, 0.5), (6, 1.0))] * 3
    res = run(papers, vecs, on_sense)
    assert res.extra["hits"]["tool_use"].tolist() == [1, 1, 1]
    assert res.extra["weighted_hits"]["tool_use"].tolist() == [2.5, 2.5, 1.0]
    s = res.scores["tool_use"]
    assert s["p0"] == pytest.approx(s["p1"])
    assert s["p2"] < s["p0"]
    plain = run(papers, vecs, on_sense, settings=ThemeSettings(specific_weight=0.0)).scores
    assert plain["tool_use"].nunique() == 1
    assert plain.loc["p0", "tool_use"] < s["p0"]


def test_a_sentence_with_two_different_keywords_counts_as_specific():
    # "distil" and "teacher" each often mean something else; in one sentence, each vouches for
    # the other. In two sentences, or one keyword twice, they count once per sentence.
    papers = [
        ("Models", "It distils abilities from teacher LLMs."),
        ("Models", "It distils abilities. A teacher LLM helps."),
        ("Models", "It distils what it distils."),
    ]
    distillation = Theme(
        "distillation",
        "Distillation",
        "Knowledge distillation.",
        keywords=("distil", "teacher"),
    )
    hits = keyword_hits([p[0] for p in papers], [p[1] for p in papers], [distillation])
    res = score_themes(
        titles=[p[0] for p in papers],
        abstracts=[p[1] for p in papers],
        paper_vectors=np.eye(DIM)[:3],
        themes=[distillation],
        theme_vectors=np.eye(DIM)[:1],
        hits=hits,
    )
    specific = 1 + ThemeSettings().specific_weight
    assert res.extra["weighted_hits"].iloc[:, 0].tolist() == [specific, 2.0, 1.0]
    # a supporting term is no second keyword
    tool = Theme("tool", "Tool", "x", keywords=("tool",), supporting=("expert",))
    text = ["An expert picks the tool."]
    hits = keyword_hits(["T"], text, [tool])
    res = score_themes(
        titles=["T"],
        abstracts=text,
        paper_vectors=np.eye(DIM)[:1],
        themes=[tool],
        theme_vectors=np.eye(DIM)[:1],
        hits=hits,
    )
    assert res.extra["weighted_hits"].iloc[0, 0] == 1.0


def test_a_theme_can_list_one_word_keywords_as_specific():
    config = {
        "definitions": [
            {
                "key": "distillation",
                "description": "Knowledge distillation.",
                "keywords": ["distil", "teacher model"],
                "specific": ["distillation"],
            }
        ]
    }
    (distillation,), _ = themes_from_config(config)
    assert distillation.keywords == ("distil", "teacher model", "distillation")
    built = Theme("d", "D", "x", keywords=("distil",), specific=("distillation",))
    assert built.keywords == ("distil", "distillation")  # the Theme adds them, not the reader
    assert distillation.specific_keywords() == {"teacher model", "distillation"}
    assert find_terms("We use distillation. It distils facts.", distillation) == [
        "distillation",
        "distil",
    ]
    hits = keyword_hits(["T"], ["We use distillation. It distils facts."], [distillation])
    res = score_themes(
        titles=["T"],
        abstracts=["We use distillation. It distils facts."],
        paper_vectors=np.eye(DIM)[:1],
        themes=[distillation],
        theme_vectors=np.eye(DIM)[:1],
        hits=hits,
    )
    assert res.extra["weighted_hits"].iloc[0, 0] == 1 + ThemeSettings().specific_weight + 1


def test_multi_label_paper_gets_both_themes():
    papers = [
        (
            "Distillation for Continual Learning",
            "We distill the old model as a teacher to prevent catastrophic forgetting. "
            "Continual learning over a sequence of tasks uses knowledge distillation.",
        )
    ]
    res = run(papers, [axis((1, 1.0), (3, 1.0))], on_sense)
    assert res.assigned.loc["p0"].to_dict() == {
        "federated_learning": False,
        "distillation": True,
        "moe": False,
        "continual_learning": True,
        "tool_use": False,
    }


def test_topic_neighbours_raise_borderline_paper():
    fl = ("Federated Learning", "Federated clients train. Federated server aggregates.")
    border = ("Private Training", "Hospitals train a model jointly. A server aggregates.")
    papers = [fl, fl, fl, border]
    vecs = [axis((0, 1.0))] * 3 + [axis((0, 0.5), (6, 1.0))]
    with_nbr = ThemeSettings(neighbour_weight=0.5, neighbours=3)
    without = ThemeSettings(neighbour_weight=0.0)
    s_with = run(papers, vecs, on_sense, topics=[1, 1, 1, 1], settings=with_nbr).scores
    s_without = run(papers, vecs, on_sense, topics=[1, 1, 1, 1], settings=without).scores
    s_outlier = run(papers, vecs, on_sense, topics=[1, 1, 1, -1], settings=with_nbr).scores
    key = "federated_learning"
    assert s_with.loc["p3", key] > s_without.loc["p3", key] + 0.2
    assert s_outlier.loc["p3", key] == pytest.approx(s_without.loc["p3", key])


def test_corpus_statistics_are_used_for_large_corpora():
    # In a corpus where every paper is this close to the theme, closeness is no evidence: the
    # median/MAD background of a large corpus cancels it; a tiny corpus uses the fixed one.
    rng = np.random.default_rng(0)
    n = 60
    vecs = np.tile([0.75, 0, 0, 0, 0, 0, 0.66, 0], (n, 1)) + 0.05 * rng.normal(size=(n, DIM))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    papers = [("Federated Systems", "Nothing else here.")] + [("A paper", "No terms.")] * (n - 1)
    large = run(papers, vecs, on_sense)
    small = run(papers[:5], vecs[:5], on_sense)
    assert small.assigned.loc["p0", "federated_learning"]
    assert not large.assigned.loc["p0", "federated_learning"]
    assert not large.assigned.to_numpy().any()


def test_shape_errors():
    with pytest.raises(ValueError, match="theme_vectors"):
        score_themes(["t"], ["a"], np.ones((1, DIM)), THEMES, THEME_EMB[:2])
    cands = candidate_sentences(["Federated"], ["x"], THEMES)
    with pytest.raises(ValueError, match="candidate_vectors"):
        score_themes(["Federated"], ["x"], np.ones((1, DIM)), THEMES, THEME_EMB, cands, None)


# --- baseline and metrics -------------------------------------------------------------------


def test_keyword_baseline_patterns():
    titles = ["A", "B", "C", "D", "E"]
    abstracts = [
        "We use a toolkit and federated search.",
        "Our MoE model uses tools via APIs.",
        "Distilling knowledge; lifelong user behaviour.",
        "Moebius strips and the continual stream.",
        "Mixture-of-Experts with incremental learning.",
    ]
    base = keyword_baseline(titles, abstracts)
    assert base.to_dict("list") == {
        "federated_learning": [True, False, False, False, False],
        "distillation": [False, False, True, False, False],
        "moe": [False, True, False, False, True],
        "continual_learning": [False, False, True, True, True],
        "tool_use": [False, True, False, False, False],
    }


def test_keyword_baseline_of_other_themes_uses_their_keywords():
    themes, _ = themes_from_config(
        {
            "definitions": [
                {"key": "moe", "label": "MoE", "description": "d", "keywords": ["routing"]},
                {
                    "key": "rag",
                    "label": "RAG",
                    "description": "Retrieval-augmented generation",
                    "keywords": ["retrieval-augmented", "RAG"],
                    "exclude": ["rag doll"],
                },
            ]
        }
    )
    base = keyword_baseline(
        ["A", "B", "C", "D"],
        [
            "Retrieval augmented generation with MoE.",
            "A rag doll; fragment; routing.",
            "RAGs and retrievers.",
            "Nothing.",
        ],
        themes,
    )
    # a built-in key keeps the pattern (not its configured keywords); another theme
    # matches its keywords as the scorer does, exclusions aside ("rag" is an acronym: case)
    assert base.to_dict("list") == {
        "moe": [True, False, False, False],
        "rag": [True, False, True, False],
    }


def test_theme_metrics_values():
    true = pd.DataFrame({"a": [True, True, False, False], "b": [True, False, False, False]})
    pred = pd.DataFrame({"a": [True, False, True, False], "b": [True, False, False, False]})
    table = theme_metrics(true, pred)
    assert table.loc["a", "precision"] == pytest.approx(0.5)
    assert table.loc["a", "recall"] == pytest.approx(0.5)
    assert table.loc["b", "f1"] == pytest.approx(1.0)
    assert table.loc["macro", "f1"] == pytest.approx(0.75)
    assert table.loc["macro", "support"] == 3


def test_theme_metrics_leave_themes_without_labels_out_of_the_macro_average():
    true = pd.DataFrame({"a": [True, False], "b": [False, False], "c": [False, False]})
    pred = pd.DataFrame({"a": [True, False], "b": [False, True], "c": [False, False]})
    table = theme_metrics(true, pred)
    # predicted, but the labels do not know the theme: no measure at all
    assert table[["precision", "recall", "f1"]].loc[["b", "c"]].isna().all().all()
    assert table.loc["macro", "f1"] == 1.0 and table.loc["macro", "precision"] == 1.0
    empty = theme_metrics(true[["b"]], pred[["b"]])
    assert np.isnan(empty.loc["macro", "f1"])


def test_a_theme_with_nothing_predicted_has_no_precision_not_zero():
    true = pd.DataFrame({"a": [True, False, True], "b": [False, True, False]})
    pred = pd.DataFrame({"a": [True, False, False], "b": [False, False, False]})
    table = theme_metrics(true, pred)
    assert np.isnan(table.loc["b", "precision"])  # nothing was claimed
    assert table.loc["b", "recall"] == 0.0 and table.loc["b", "f1"] == 0.0
    # the macro figures cover the same themes: claiming nothing counts as precision 0
    assert table.loc["macro", "precision"] == 0.5
    assert table.loc["macro", "f1"] == pytest.approx((2 / 3 + 0) / 2)
    nothing = theme_metrics(true, pred.assign(a=False))
    assert nothing.loc["macro", "precision"] == 0.0 and nothing.loc["macro", "f1"] == 0.0


def test_whole_paper_prefilter_finds_exactly_the_sentence_hits():
    """_hits checks each paper as a whole before its sentences; that must change nothing."""
    from dataclasses import replace
    from pathlib import Path

    import yaml

    from papertopics.formats import read_listing
    from papertopics.listings import merge_listings
    from papertopics.themes import _hits, _Matcher, _paper_sentences, list_mention

    root = Path(__file__).parents[1]
    themes, _ = themes_from_config(yaml.safe_load((root / "config.yaml").read_text()))
    papers = merge_listings(read_listing(p) for p in sorted((root / "data" / "seeds").glob("*")))
    titles = [p.title for p in papers] + ["Federated search over a Federated", "MoE-style FL"]
    abstracts = [p.abstract for p in papers] + ["Search engine. Tool use of an API.", "expert."]
    # each sentence matched on its own, supporting terms as if keywords ...
    matchers = [
        _Matcher.of(replace(t, keywords=t.keywords + t.supporting, supporting=())) for t in themes
    ]

    def sentence_by_sentence(theme, m, title, abstract):
        found = [
            (i, s, [term for at, term in m.find_at(s) if i == 0 or not list_mention(s, at)])
            for i, s in enumerate(_paper_sentences(title, abstract))
        ]
        found = [hit for hit in found if hit[2]]
        # ... and then kept only in a paper that also has a keyword
        supporting = set(theme.supporting) - set(theme.keywords)
        keyword = any(term not in supporting for *_, terms in found for term in terms)
        return found if keyword else []

    brute = [
        [sentence_by_sentence(theme, m, t, a) for theme, m in zip(themes, matchers, strict=True)]
        for t, a in zip(titles, abstracts, strict=True)
    ]
    assert _hits(titles, abstracts, themes) == brute
    assert sum(len(found) for per_paper in brute for found in per_paper) > 100
    # the seeds hold passing mentions, so the rule above was exercised
    counted = [replace(t, list_mentions=True) for t in themes]
    assert _hits(titles, abstracts, counted) != brute


def test_theme_vectors_file_round_trip(tmp_path):
    from papertopics.themes import load_theme_vectors, save_theme_vectors

    candidates = pd.DataFrame(
        {"row": [0, 2], "theme": ["moe", "tool_use"], "sentence": ["A router.", "An API."]}
    )
    theme_vectors = np.eye(3, dtype=np.float32)
    candidate_vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    hits = keyword_hits(["MoE routing", "Tools"], ["An MoE router.", "It calls an API."], THEMES)
    path = tmp_path / "theme_vectors.npz"
    save_theme_vectors(path, theme_vectors, candidates, candidate_vectors, hits)
    loaded = load_theme_vectors(path)
    np.testing.assert_array_equal(loaded["theme_vectors"], theme_vectors)
    np.testing.assert_array_equal(loaded["candidate_vectors"], candidate_vectors)
    pd.testing.assert_frame_equal(loaded["candidates"], candidates, check_dtype=False)
    pd.testing.assert_frame_equal(loaded["hits"], hits, check_dtype=False)
    assert len(hits) == 4 and set(hits["theme"]) == {"moe", "tool_use"}


def test_keyword_hits_passed_in_give_the_same_result_as_searching_inside():
    papers = [
        ("Sparse MoE Routing", "An MoE layer routes tokens. Each expert is small."),
        ("A Useful Tool", "ChatGPT is a useful tool. The agent calls an API. It calls tools."),
        ("Vision", "We classify images."),
    ]
    titles, abstracts = [p[0] for p in papers], [p[1] for p in papers]
    hits = keyword_hits(titles, abstracts, THEMES)
    assert list(hits.columns) == ["row", "theme", "sentence", "terms"]
    # the tool paper: the title is sentence 0; "useful tool" is excluded
    tool = hits[(hits["row"] == 1) & (hits["theme"] == "tool_use")]
    assert tool["sentence"].tolist() == [2, 3]
    assert tool["terms"].tolist() == ["API", "tool"]
    cands = candidate_sentences(titles, abstracts, THEMES, 2)
    assert cands.equals(candidate_sentences(titles, abstracts, THEMES, 2, hits))
    vectors = np.array([on_sense(r.row, r.theme, r.sentence) for r in cands.itertuples()])
    common = {
        "titles": titles,
        "abstracts": abstracts,
        "paper_vectors": [axis((2, 1.0), (6, 0.5)), axis((4, 1.0), (6, 0.5)), OTHER],
        "themes": THEMES,
        "theme_vectors": THEME_EMB,
        "candidates": cands,
        "candidate_vectors": vectors,
    }
    inside, passed = score_themes(**common), score_themes(**common, hits=hits)
    pd.testing.assert_frame_equal(inside.scores, passed.scores)
    pd.testing.assert_frame_equal(inside.evidence, passed.evidence)
    assert inside.assigned.loc[0, "moe"] and inside.assigned.loc[1, "tool_use"]
    assert "terms: MoE (2), expert" in inside.evidence.loc[0, "moe"]


# --- a sense check with a model of its own ---------------------------------------------------

SENSE_PAPERS = [
    ("Federated Averaging at Scale", "Clients run FedAvg. The server averages their updates."),
    ("A Useful Tool", "This is a useful tool. The agent calls an API to search."),
    ("Continual Learners", "We study continual learning. Forgetting is measured."),
    ("Vision", "We classify images."),
]
SENSE_PAPER_VECS = [
    axis((0, 1.0), (1, 0.1), (2, 0.3), (3, 0.2), (4, 0.1), (6, 1.0)),
    axis((0, 0.2), (1, 0.3), (2, 0.1), (3, 0.1), (4, 0.5), (6, 1.0)),
    axis((0, 0.1), (1, 0.2), (2, 0.2), (3, 1.0), (4, 0.3), (6, 1.2)),
    axis((0, 0.3), (1, 0.1), (2, 0.1), (3, 0.3), (4, 0.2), (6, 1.0)),
]


def sense_inputs():
    titles, abstracts = [p[0] for p in SENSE_PAPERS], [p[1] for p in SENSE_PAPERS]
    cands = candidate_sentences(titles, abstracts, THEMES, 2)
    vectors = np.array([on_sense(r.row, r.theme, r.sentence) for r in cands.itertuples()])
    return {
        "titles": titles,
        "abstracts": abstracts,
        "paper_vectors": SENSE_PAPER_VECS,
        "themes": THEMES,
        "theme_vectors": THEME_EMB,
        "candidates": cands,
        "candidate_vectors": vectors,
        "settings": ThemeSettings(min_papers_for_stats=2, neighbour_weight=0.0),
    }


def test_sentences_of_another_model_are_scored_in_its_space_and_on_its_scale():
    from papertopics.themes import similarity_background

    common = sense_inputs()
    same = score_themes(**common)
    papers = np.array(common["paper_vectors"])
    settings = common["settings"]
    center, scale = similarity_background(papers @ THEME_EMB.T, settings)
    # Another model: its vectors live in a rotated space, and its cosines are a * cos + b.
    # Scored against its own theme vectors and background, the sentences weigh the same.
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(DIM, DIM)))[0]
    other = dict(common, candidate_vectors=common["candidate_vectors"] @ rotation)
    a, b = 0.5, 0.1
    rotated = score_themes(
        **other,
        sense_theme_vectors=THEME_EMB @ rotation,
        sense_background=(center, scale),
    )
    pd.testing.assert_frame_equal(rotated.scores, same.scores)
    pd.testing.assert_frame_equal(rotated.evidence, same.evidence)
    # On the other model's own scale: cosines squeezed and shifted, background likewise.
    squeezed = dict(common)
    themes_of = common["candidates"]["theme"].map({k: j for j, k in enumerate(KEYS)}).to_numpy()
    cos = np.einsum("ij,ij->i", common["candidate_vectors"], THEME_EMB[themes_of])
    # vectors whose cosine with their theme's (unit) vector is a * cos + b, norm irrelevant
    squeezed["candidate_vectors"] = THEME_EMB[themes_of] * (a * cos + b)[:, None]
    scaled = score_themes(
        **squeezed,
        sense_theme_vectors=THEME_EMB,
        sense_background=(a * center + b, a * scale),
    )
    pd.testing.assert_frame_equal(scaled.scores, same.scores)
    pd.testing.assert_frame_equal(scaled.extra["sense"], same.extra["sense"])
    # ... read on the papers' scale instead, the same sentences would count for less
    wrong = score_themes(**squeezed).extra["sense"].to_numpy()
    right = same.extra["sense"].to_numpy()
    checked = ~np.isnan(right)
    assert checked.sum() >= 3 and (wrong[checked] < right[checked]).all()


def test_sense_vectors_need_their_background_and_one_row_per_theme():
    common = sense_inputs()
    with pytest.raises(ValueError, match="sense_background"):
        score_themes(**common, sense_theme_vectors=THEME_EMB)
    with pytest.raises(ValueError, match="one row per theme_vectors row"):
        score_themes(
            **common,
            sense_theme_vectors=THEME_EMB[:2],
            sense_background=(np.zeros(5), np.ones(5)),
        )


def test_theme_vectors_file_keeps_the_sense_models_vectors_and_scale(tmp_path):
    from papertopics.themes import load_theme_vectors, save_theme_vectors

    common = sense_inputs()
    hits = keyword_hits(common["titles"], common["abstracts"], THEMES)
    background = (np.full(5, 0.2), np.full(5, 0.05))
    path = tmp_path / "theme_vectors.npz"
    save_theme_vectors(
        path,
        THEME_EMB,
        common["candidates"],
        common["candidate_vectors"],
        hits,
        sense_theme_vectors=2 * THEME_EMB,
        sense_background=background,
    )
    loaded = load_theme_vectors(path)
    np.testing.assert_array_equal(loaded["sense_theme_vectors"], 2 * THEME_EMB)
    np.testing.assert_array_equal(loaded["sense_background"][0], background[0])
    np.testing.assert_array_equal(loaded["sense_background"][1], background[1])
    save_theme_vectors(path, THEME_EMB, common["candidates"], common["candidate_vectors"], hits)
    loaded = load_theme_vectors(path)
    assert loaded["sense_theme_vectors"] is None and loaded["sense_background"] is None
    with pytest.raises(ValueError, match="go together"):
        save_theme_vectors(
            path, THEME_EMB, common["candidates"], common["candidate_vectors"], hits, THEME_EMB
        )


def test_the_background_sample_is_fixed_and_moves_little_when_papers_are_added():
    from papertopics.themes import background_sample

    texts = [f"paper {i}: an abstract" for i in range(300)]
    sample = background_sample(texts, 50)
    assert len(sample) == 50 and list(sample) == sorted(set(sample))
    np.testing.assert_array_equal(background_sample(texts, 50), sample)
    assert len(background_sample(texts[:20], 50)) == 20
    grown = texts + [f"new paper {i}" for i in range(30)]
    kept = {texts[i] for i in sample}
    now = {grown[i] for i in background_sample(grown, 50)}
    # a new paper can only displace an old one, never bring a different old one in
    assert {t for t in now if t in set(texts)} <= kept
    assert len(now & kept) >= 50 - 30
    # the order of the papers does not matter
    reordered = texts[::-1]
    assert {reordered[i] for i in background_sample(reordered, 50)} == kept


def test_sense_check_takes_the_best_hit_sentence_not_the_first():
    def sense(_paper, key, sentence):  # only the sentence about the server reads as the theme
        return on_sense(_paper, key, sentence) if "server" in sentence else OTHER

    papers = [
        (
            "A study",
            "Federated search ranks databases, federated style. A federated server averages.",
        ),
        (
            "A study",
            "A federated server averages. Federated search ranks databases, federated style.",
        ),
    ]
    vec = axis((0, 0.5), (6, 1.0))
    res = run(papers, [vec, vec], sense)
    key = "federated_learning"
    assert res.scores.loc["p0", key] == pytest.approx(res.scores.loc["p1", key])
    alone = run(papers[1:], [vec], lambda *a: on_sense(*a)).scores.loc["p0", key]
    assert res.scores.loc["p0", key] == pytest.approx(alone)  # as if every hit read as the theme


def test_topic_neighbours_weigh_as_configured():
    fl = ("Federated Learning", "Federated clients train. Federated server aggregates.")
    other = ("Private Training", "Hospitals train a model jointly. A server aggregates.")
    vecs = [axis((0, 1.0))] * 3 + [axis((0, 0.5), (6, 1.0))]
    key = "federated_learning"
    own = run([fl, fl, fl, other], vecs, on_sense, settings=SETTINGS).scores[key]
    weighted = ThemeSettings(neighbour_weight=0.1, neighbours=3)
    got = run([fl, fl, fl, other], vecs, on_sense, topics=[1] * 4, settings=weighted).scores[key]
    # 90 % the paper's own score, 10 % the mean of its three topic-mates'
    assert got["p3"] == pytest.approx(0.9 * own["p3"] + 0.1 * own["p0"])


def test_outliers_are_not_smoothed_towards_each_other():
    fl = ("Federated Learning", "Federated clients train. Federated server aggregates.")
    other = ("Private Training", "Hospitals train a model jointly. A server aggregates.")
    vecs = [axis((0, 1.0)), axis((0, 0.9), (6, 0.5))]
    key = "federated_learning"
    own = run([fl, other], vecs, on_sense, settings=SETTINGS).scores[key]
    smoothed = ThemeSettings(neighbour_weight=0.5, neighbours=3)
    got = run([fl, other], vecs, on_sense, topics=[-1, -1], settings=smoothed).scores[key]
    assert got.tolist() == pytest.approx(own.tolist())
    assert own["p0"] - own["p1"] > 0.2  # different enough that smoothing would show


def test_the_similarity_scale_has_a_floor_when_every_paper_is_alike():
    from papertopics.themes import similarity_background

    settings = ThemeSettings(min_papers_for_stats=5)
    sim = np.full((60, 2), 0.3)  # a corpus of identical similarities: a MAD of 0
    center, scale = similarity_background(sim, settings)
    np.testing.assert_allclose(center, 0.3)
    assert (scale >= 1e-3).all()
    papers = [("A paper", "No terms.")] * 60
    vecs = np.tile(axis((0, 0.3), (6, 1.0)), (60, 1))
    res = run(papers, vecs, off_sense, settings=replace(settings, neighbour_weight=0.0))
    assert np.isfinite(res.extra["semantic"].to_numpy()).all()
    assert np.isfinite(res.scores.to_numpy()).all()


def test_a_score_exactly_at_the_threshold_is_assigned():
    # no term hit, and neither bias nor similarity counts: every score is sigmoid(0) = 0.5
    flat = replace(SETTINGS, bias=0.0, semantic_weight=0.0, threshold=0.5, review_threshold=0.25)
    papers = [("Image captions", "We caption images with a transformer.")]
    res = run(papers, [OTHER], off_sense, settings=flat)
    assert (res.scores.loc["p0"] == 0.5).all()
    assert res.assigned.loc["p0"].all()
    assert not res.borderline.loc["p0"].any()
