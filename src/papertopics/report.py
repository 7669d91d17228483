"""The self-contained HTML report: one file, no network, every input string escaped."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from papertopics.figures import term_papers, theme_colours

__all__ = ["json_for_script", "package_versions", "render_report", "report_context"]

PACKAGES = (
    "papertopics",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "sentence-transformers",
    "torch",
    "scikit-learn",
    "numpy",
    "pandas",
    "matplotlib",
    "snakemake",
)


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape the results."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def json_for_script(data) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _svg_body(path: str | Path) -> str:
    """An SVG file's ``<svg>`` element, without the XML prolog and doctype."""
    text = Path(path).read_text("utf-8")
    return text[text.index("<svg") :]


def _split(value: str, sep: str = ";") -> list[str]:
    return [item for item in str(value).split(sep) if item]


def report_context(
    *,
    papers: pd.DataFrame,
    topics: pd.DataFrame,
    themes: pd.DataFrame,
    by_listing: pd.DataFrame,
    listings: pd.DataFrame,
    warnings: pd.DataFrame,
    topic_params: Mapping,
    config: Mapping,
    figures: Mapping[str, str | Path],
    evaluation: pd.DataFrame | None = None,
) -> dict:
    """Everything the report template shows, as plain Python values.

    Args:
        papers: ``papers.csv``.
        topics: ``topics.csv``.
        themes: ``themes.csv``.
        by_listing: ``themes_by_listing.csv``.
        listings: One row per listing (date, counts, skipped).
        warnings: Parse warnings (``file, line, message``).
        topic_params: Resolved topic-model parameters.
        config: The validated run configuration.
        figures: SVG file per figure name, inlined into the page.
        evaluation: ``evaluation.csv`` when hand labels are configured.

    Returns:
        The template context.
    """
    definitions = {d["key"]: d for d in config["themes"]["definitions"]}
    colours = theme_colours(themes["theme"].tolist())
    members = papers["themes"].map(_split)
    theme_sections = []
    for row in themes.itertuples(index=False):
        inside = members.map(lambda m, key=row.theme: key in m).to_numpy()
        ranked = papers[inside].sort_values(f"score_{row.theme}", ascending=False, kind="stable")
        evidence = {}
        for text in ranked["theme_evidence"]:
            for part in str(text).split(" || "):
                key, _, what = part.partition(": ")
                evidence.setdefault(key, []).append(what)
        trend = by_listing[by_listing["theme"] == row.theme]
        texts = (ranked["title"] + ". " + ranked["abstract"]).tolist()
        term_counts = [(term, term_papers(texts, term)) for term in _split(row.top_terms, ", ")]
        theme_sections.append(
            {
                "key": row.theme,
                "label": row.label,
                "description": definitions[row.theme]["description"],
                "keywords": definitions[row.theme].get("keywords", []),
                "n_papers": row.n_papers,
                "top_terms": term_counts,
                "colour": colours[row.theme],
                "topics": topics[topics["theme"] == row.theme][["topic", "label", "size"]].to_dict(
                    "records"
                ),
                "trend": trend[["listing", "listing_date", "n_papers"]].to_dict("records"),
                "papers": [
                    {
                        "paper_id": p.paper_id,
                        "title": p.title,
                        "score": getattr(p, f"score_{row.theme}"),
                        "themes": _split(p.themes),
                        "evidence": next(
                            (
                                part.partition(": ")[2]
                                for part in str(p.theme_evidence).split(" || ")
                                if part.startswith(f"{row.theme}: ")
                            ),
                            "",
                        ),
                        "abstract": p.abstract,
                        "sources": _split(p.sources),
                    }
                    for p in ranked.itertuples(index=False)
                ],
            }
        )
    other_topics = topics[topics["theme"] == ""].to_dict("records")
    for topic in other_topics:
        topic["titles"] = _split(topic["representative_titles"], " | ")
    dated = listings[listings["listing_date"] != ""]
    skipped = listings[listings["skipped"] != ""]
    n_entries = int(listings["n_papers"].sum())
    eval_rows = None
    if evaluation is not None:
        eval_rows = evaluation.to_dict("records")
    return {
        "generated": dt.date.today().isoformat(),
        "summary": {
            "n_papers": len(papers),
            "n_entries": n_entries,
            "n_merged": n_entries - len(papers),
            "n_listings": len(listings) - len(skipped),
            "n_themes": len(themes),
            "n_themed": int((papers["themes"] != "").sum()),
            "n_topics": int((topics["topic"] != -1).sum()),
            "n_outliers": int((papers["topic"] == -1).sum()),
            "first_date": dated["listing_date"].min() if len(dated) else "",
            "last_date": dated["listing_date"].max() if len(dated) else "",
            "date_sources": sorted(set(dated["date_source"])),
        },
        "skipped": skipped[["listing", "skipped"]].to_dict("records"),
        "warnings": warnings.to_dict("records"),
        "listings": listings.to_dict("records"),
        "themes": theme_sections,
        "other_topics": other_topics,
        "topics": topics.to_dict("records"),
        "figures": {name: _svg_body(path) for name, path in figures.items()},
        "config": config,
        "config_yaml": _yaml(config),
        "topic_params": dict(topic_params),
        "versions": package_versions(),
        "evaluation": eval_rows,
        "json_themes": json_for_script(dict(zip(themes["theme"], themes["label"], strict=True))),
        "json_colours": json_for_script(colours),
        "map_data": json_for_script(
            {
                "x": papers["x"].round(3).tolist(),
                "y": papers["y"].round(3).tolist(),
                "theme": papers["primary_theme"].tolist(),
                "topic": papers["topic"].tolist(),
                "title": papers["title"].tolist(),
                "id": papers["paper_id"].tolist(),
            }
        ),
    }


def _yaml(config: Mapping) -> str:
    import yaml

    return yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True, width=100)


def render_report(context: Mapping, template: str | Path) -> str:
    """Render the report template with autoescaping on (every input string is escaped).

    Args:
        context: Output of :func:`report_context`.
        template: Path of the Jinja2 HTML template.

    Returns:
        The HTML page.
    """
    import jinja2
    from markupsafe import Markup

    template = Path(template)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["slug"] = lambda text: re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    # Figures come from our own matplotlib files; the map data is JSON made script-safe.
    context = dict(context)
    context["figures"] = {name: Markup(svg) for name, svg in context["figures"].items()}
    for key in ("map_data", "json_themes", "json_colours"):
        context[key] = Markup(context[key])
    return env.get_template(template.name).render(**context)
