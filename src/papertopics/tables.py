"""The output tables: papers, topics, themes and themes by listing.

These tables are the contract that users and later stages rely on; their columns
are listed in ``results/README.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from papertopics.listings import Paper
from papertopics.topics import TopicSettings, class_terms, common_terms, shared_terms, topic_by

__all__ = [
    "BY_LISTING_COLUMNS",
    "OVER_TIME_COLUMNS",
    "PAPER_COLUMNS",
    "THEME_COLUMNS",
    "TOPIC_COLUMNS",
    "papers_table",
    "theme_membership",
    "theme_table_from_result",
    "theme_terms",
    "themes_by_listing_table",
    "themes_over_time_table",
    "themes_table",
    "topics_table",
]

#: Candidate terms per theme, as a multiple of ``top_n_words`` (see :func:`theme_terms`).
THEME_TERM_CANDIDATES = 3

PAPER_COLUMNS = (
    "paper_id",
    "title",
    "abstract",
    "sources",
    "first_listed",
    "themes",
    "primary_theme",
)
TOPIC_COLUMNS = (
    "topic",
    "label",
    "size",
    "n_clustered",
    "top_terms",
    "theme",
    "representative_titles",
)
THEME_COLUMNS = ("theme", "label", "n_papers", "n_borderline", "top_terms", "representative_titles")
BY_LISTING_COLUMNS = ("listing", "listing_date", "theme", "n_papers")
OVER_TIME_COLUMNS = ("listing_date", "theme", "n_papers", "n_listed", "share")
#: Joins several values in one cell.
SEP = ";"
TITLE_SEP = " | "


def theme_membership(themes: pd.Series | Sequence[str], keys: Sequence[str]) -> np.ndarray:
    """Boolean ``(n_papers, n_themes)`` matrix from a ``themes`` column (keys joined by ``;``)."""
    sets = [set(str(cell).split(SEP)) for cell in themes]
    return np.array([[key in s for key in keys] for s in sets], dtype=bool).reshape(-1, len(keys))


def theme_table_from_result(
    paper_ids: Sequence[str], result, theme_keys: Sequence[str]
) -> pd.DataFrame:
    """Flatten a theme result into one row per paper.

    Columns: ``paper_id`` and, per theme, ``score_<key>``, ``in_<key>``, ``borderline_<key>``,
    ``evidence_<key>`` (for members and borderline papers).
    """
    table = pd.DataFrame({"paper_id": list(paper_ids)})
    for key in theme_keys:
        table[f"score_{key}"] = np.round(np.asarray(result.scores[key], dtype=float), 4)
        table[f"in_{key}"] = np.asarray(result.assigned[key], dtype=bool)
        table[f"borderline_{key}"] = np.asarray(result.borderline[key], dtype=bool)
        table[f"evidence_{key}"] = np.asarray(result.evidence[key], dtype=object)
    return table


def _evidence_cells(themes: pd.DataFrame, theme_keys: Sequence[str], mask: np.ndarray) -> list[str]:
    """Per paper, ``key: evidence`` of every theme where ``mask`` is set, joined by " || "."""
    return [
        " || ".join(
            f"{key}: {themes.at[i, f'evidence_{key}']}"
            for j, key in enumerate(theme_keys)
            if mask[i, j]
        )
        for i in range(len(themes))
    ]


def papers_table(
    papers: Sequence[Paper],
    themes: pd.DataFrame,
    assignments: pd.DataFrame,
    topic_info: pd.DataFrame,
    theme_keys: Sequence[str],
) -> pd.DataFrame:
    """One row per unique paper with its themes, scores, evidence, topic and map position.

    ``borderline_themes`` names the themes the paper nearly joined (score at least the
    scorer's ``review_threshold``, below its ``threshold``), ``borderline_evidence`` their
    evidence, for the reader to check.

    Args:
        papers: Unique papers in pipeline order.
        themes: Output of :func:`theme_table_from_result` (indexed like ``papers``).
        assignments: ``paper_id, topic, topic_by, x, y`` per paper.
        topic_info: ``topic, label`` per topic.
        theme_keys: Theme keys in config order.

    Returns:
        The ``papers.csv`` table.
    """
    table = pd.DataFrame(
        {
            "paper_id": [p.paper_id for p in papers],
            "title": [p.title for p in papers],
            "abstract": [p.abstract for p in papers],
            "sources": [SEP.join(p.sources) for p in papers],
            "first_listed": [p.first_listed for p in papers],
        }
    )
    themes = themes.set_index("paper_id").loc[table["paper_id"]].reset_index()
    member = np.column_stack([themes[f"in_{k}"].to_numpy(bool) for k in theme_keys])
    scores = np.column_stack([themes[f"score_{k}"].to_numpy(float) for k in theme_keys])
    keys = np.array(theme_keys, dtype=object)
    table["themes"] = [SEP.join(keys[row]) for row in member]
    masked = np.where(member, scores, -np.inf)
    best = masked.argmax(axis=1)
    table["primary_theme"] = [keys[b] if member[i].any() else "" for i, b in enumerate(best)]
    for j, key in enumerate(theme_keys):
        table[f"score_{key}"] = scores[:, j]
    table["theme_evidence"] = _evidence_cells(themes, theme_keys, member)
    # borderline columns are absent from a theme table written before they existed
    borderline = np.column_stack(
        [themes.get(f"borderline_{k}", pd.Series(False, index=themes.index)) for k in theme_keys]
    ).astype(bool)
    table["borderline_themes"] = [SEP.join(keys[row]) for row in borderline]
    table["borderline_evidence"] = _evidence_cells(themes, theme_keys, borderline)
    placed = assignments.set_index("paper_id").loc[table["paper_id"]]
    labels = dict(zip(topic_info["topic"], topic_info["label"], strict=True))
    table["topic"] = placed["topic"].to_numpy(int)
    table["topic_label"] = [labels.get(t, "") for t in table["topic"]]
    if "topic_by" in placed.columns:
        table["topic_by"] = placed["topic_by"].to_numpy(object)
    else:  # assignments written before the column existed
        table["topic_by"] = topic_by(table["topic"])
    table["x"] = placed["x"].to_numpy(float)
    table["y"] = placed["y"].to_numpy(float)
    return table


def topics_table(
    papers: pd.DataFrame, topic_info: pd.DataFrame, theme_keys: Sequence[str], share: float = 0.5
) -> pd.DataFrame:
    """One row per topic; ``theme`` names the theme that at least ``share`` of its papers hold.

    Args:
        papers: The ``papers.csv`` table.
        topic_info: ``topic, label, size, top_terms, representatives`` per topic.
        theme_keys: Theme keys in config order.
        share: Smallest share of a topic's papers in one theme for the topic to belong to it.

    Returns:
        The ``topics.csv`` table, largest topic first (outliers last).
    """
    rows = []
    member = theme_membership(papers["themes"], theme_keys)
    by = (
        papers["topic_by"].to_numpy() if "topic_by" in papers.columns else topic_by(papers["topic"])
    )
    for info in topic_info.itertuples(index=False):
        in_topic = papers["topic"].to_numpy() == info.topic
        owner = ""
        if info.topic != -1 and in_topic.any() and len(theme_keys):
            counts = member[in_topic].sum(axis=0)
            best = int(counts.argmax())
            if counts[best] and counts[best] >= share * in_topic.sum():
                owner = theme_keys[best]
        titles = papers["title"].to_numpy()[list(info.representatives)]
        rows.append(
            {
                "topic": info.topic,
                "label": info.label,
                "size": int(in_topic.sum()),
                # the rest were outliers of the clustering or placed on a rerun (topic_by)
                "n_clustered": int((in_topic & (by == "cluster")).sum()),
                "top_terms": ", ".join(info.top_terms),
                "theme": owner,
                "representative_titles": TITLE_SEP.join(titles),
            }
        )
    table = pd.DataFrame(rows, columns=list(TOPIC_COLUMNS))
    order = np.lexsort((table["topic"], -table["size"], table["topic"] == -1))
    return table.iloc[order].reset_index(drop=True)


def theme_terms(
    docs: Sequence[str], membership: np.ndarray, settings: TopicSettings | None = None
) -> list[list[str]]:
    """Top c-TF-IDF terms of each theme against the rest of the corpus.

    Each theme is one class (a paper may be in several); the papers in no theme form
    one more class, so that terms common to the whole corpus are weighted down. Terms
    that at least two of the theme's papers use come first, and words most papers of the
    corpus use ("models", "data") after them: c-TF-IDF weighs a term by its count in the
    whole class, so one abstract repeating its own method's name, or a word every abstract
    uses, would otherwise head the list (as for topic labels,
    :func:`papertopics.topics.shared_terms`).

    Args:
        docs: Paper texts.
        membership: Boolean array ``(n_papers, n_themes)``.
        settings: Term settings (config ``terms``); defaults when None.

    Returns:
        One list of terms per theme (empty for a theme without papers).
    """
    docs = list(docs)
    classes = [
        " ".join(d for d, m in zip(docs, membership[:, j], strict=True) if m)
        for j in range(membership.shape[1])
    ]
    classes.append(" ".join(d for d, m in zip(docs, membership.any(axis=1), strict=True) if not m))
    settings = settings or TopicSettings()
    n = settings.top_n_words
    # candidates beyond the top n, so that shared terms can replace one paper's own words
    terms = class_terms(
        classes, dataclasses.replace(settings, top_n_words=THEME_TERM_CANDIDATES * n)
    )
    common = common_terms([word for pairs in terms for word, _ in pairs], docs, settings)
    return [
        shared_terms(
            [word for word, _ in pairs],
            [d for d, m in zip(docs, membership[:, j], strict=True) if m],
            common=common,
        )[:n]
        for j, pairs in enumerate(terms[:-1])
    ]


def themes_table(
    papers: pd.DataFrame, themes: Sequence[dict], terms: Sequence[Sequence[str]], n_titles: int = 5
) -> pd.DataFrame:
    """One row per configured theme: its size, borderline papers, top terms, representative titles.

    Args:
        papers: The ``papers.csv`` table.
        themes: Theme definitions (``key``, ``label``) in config order.
        terms: Top terms per theme (see :func:`theme_terms`).
        n_titles: Representative titles per theme (highest scores first).

    Returns:
        The ``themes.csv`` table.
    """
    rows = []
    keys = [theme["key"] for theme in themes]
    member = theme_membership(papers["themes"], keys)
    borderline = theme_membership(papers.get("borderline_themes", [""] * len(papers)), keys)
    for j, (theme, theme_terms_) in enumerate(zip(themes, terms, strict=True)):
        key = theme["key"]
        inside = member[:, j]
        ranked = papers[inside].sort_values(f"score_{key}", ascending=False, kind="stable")
        rows.append(
            {
                "theme": key,
                "label": theme["label"],
                "n_papers": int(inside.sum()),
                "n_borderline": int(borderline[:, j].sum()),
                "top_terms": ", ".join(theme_terms_),
                "representative_titles": TITLE_SEP.join(ranked["title"].head(n_titles)),
            }
        )
    return pd.DataFrame(rows, columns=list(THEME_COLUMNS))


def themes_by_listing_table(
    papers: pd.DataFrame, listings: pd.DataFrame, theme_keys: Sequence[str]
) -> pd.DataFrame:
    """Papers per theme in each listing (a paper counts in every listing that holds it).

    Args:
        papers: The ``papers.csv`` table.
        listings: ``listing, listing_date`` per listing.
        theme_keys: Theme keys in config order.

    Returns:
        The ``themes_by_listing.csv`` table: every listing x theme, zeros included.
    """
    exploded = papers.assign(
        listing=papers["sources"].str.split(SEP), theme=papers["themes"].str.split(SEP)
    )
    exploded = exploded.explode("listing").explode("theme")
    counts = exploded[exploded["theme"] != ""].groupby(["listing", "theme"]).size()
    rows = [
        {
            "listing": row.listing,
            "listing_date": row.listing_date if isinstance(row.listing_date, str) else "",
            "theme": key,
            "n_papers": int(counts.get((row.listing, key), 0)),
        }
        for row in listings.sort_values(["listing_date", "listing"], kind="stable").itertuples()
        for key in theme_keys
    ]
    return pd.DataFrame(rows, columns=list(BY_LISTING_COLUMNS))


def themes_over_time_table(
    papers: pd.DataFrame, listings: pd.DataFrame, theme_keys: Sequence[str]
) -> pd.DataFrame:
    """Papers per theme and listing date (a paper counts once per date, whatever the listings).

    Args:
        papers: The ``papers.csv`` table.
        listings: ``listing, listing_date`` per listing (listings without a date are left out).
        theme_keys: Theme keys in config order.

    Returns:
        ``listing_date, theme, n_papers, n_listed, share``: every date x theme, where
        ``n_listed`` is the number of papers listed that day and ``share`` = n_papers / n_listed.
    """
    dates = dict(zip(listings["listing"], listings["listing_date"], strict=True))
    exploded = papers.assign(listing=papers["sources"].str.split(SEP)).explode("listing")
    exploded["listing_date"] = exploded["listing"].map(dates).fillna("")
    exploded = exploded[exploded["listing_date"] != ""].drop_duplicates(
        ["paper_id", "listing_date"]
    )
    rows = []
    for date, day in exploded.groupby("listing_date", sort=True):
        counts = theme_membership(day["themes"], theme_keys).sum(axis=0)
        for key, n in zip(theme_keys, counts.tolist(), strict=True):
            rows.append(
                {
                    "listing_date": date,
                    "theme": key,
                    "n_papers": n,
                    "n_listed": len(day),
                    "share": round(n / len(day), 4),
                }
            )
    return pd.DataFrame(rows, columns=list(OVER_TIME_COLUMNS))
