"""Theme assignment: which papers belong to the configured themes, with scores and evidence.

Each paper gets a score in [0, 1] for every theme, is assigned to every theme whose score reaches
the threshold (multi-label: zero, one or several themes), and gets human-checkable evidence for each
assigned theme (the matched terms and the best-matching sentence). A paper that scores at least
``review_threshold`` but below the threshold is *borderline*: not a member, but shown with its
evidence, so that a reader can pick up the papers the scorer nearly took.

Three kinds of evidence are combined, with the same shared weights for every theme:

* **semantic**: cosine similarity between the paper embedding and the theme description, as a
  robust z-score against the whole corpus (per theme: ``(cos - median) / MAD``), so that themes
  whose descriptions are closer to ML text in general are not favoured;
* **terms, sense-checked**: keyword hits (after masking the theme's ``exclude`` phrases; its
  ``supporting`` terms only in a paper that also hits a keyword) counted as the number of
  sentences with a hit, plus the similarity of the best hit sentence to the theme
  description (same z-scale). A sentence with a *specific* keyword, one of several words
  ("catastrophic forgetting", "mixture of experts"), an acronym ("MoE", "EWC") or one listed in
  the theme's ``specific`` ("distillation"), counts ``1 + specific_weight`` times: such a term
  rarely means anything else, where a single word ("teacher", "tool", "continual") often does.
  A sentence with two different keywords of the theme ("distils ... from teacher LLMs") counts
  the same: each corroborates the other's sense. A keyword used in another sense ("tool" as in
  "a useful tool", "expert" annotators) has a hit sentence far from the description and little
  paper-level similarity, so a surface word alone does not reach the threshold;
* **topic structure**: the score is smoothed towards the mean score of the paper's nearest
  neighbours within its BERTopic topic.

The per-pair evidence is combined as
``p = sigmoid(bias + w_sem * z_doc + [hits > 0] * (w_sense * z_sense + w_terms * log(1 + hits)))``,
where ``hits`` is the number of hit sentences (each with a specific keyword, or with two
different keywords, counted ``1 + specific_weight`` times), and
``score = (1 - w_nbr) * p + w_nbr * mean(p of the k nearest topic-mates)``.

The pipeline embeds three kinds of text and passes the vectors in: the papers
(``paper_text(title, abstract)``), ``theme_texts(themes)`` and the ``sentence`` column of
``candidate_sentences(...)``. Nothing in this module loads a model. The sentences may be embedded
by another model than the papers (config ``themes.sense_model``; the fast mode's static paper
model keeps MiniLM for them): the theme texts are then embedded by both, and the sentences'
z-scale comes from that model's similarities on a sample of the papers
(:func:`background_sample`, :func:`similarity_background`).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from papertopics.listings import shorten

__all__ = [
    "BASELINE_PATTERNS",
    "Theme",
    "ThemeResult",
    "ThemeSettings",
    "background_sample",
    "candidate_sentences",
    "find_terms",
    "keyword_baseline",
    "keyword_hits",
    "list_mention",
    "load_theme_vectors",
    "save_theme_vectors",
    "score_themes",
    "similarity_background",
    "split_sentences",
    "theme_metrics",
    "theme_texts",
    "themes_from_config",
]


@dataclass(frozen=True)
class Theme:
    """One theme from the config.

    Attributes:
        key: Identifier used as a column name (``federated_learning``).
        label: Human-readable name.
        description: One or two sentences that define the theme; embedded and compared with
            papers and with keyword-hit sentences.
        keywords: Terms that are evidence for the theme. Matched case-insensitively at the start
            of a word and extended to the end of the word ("distill" matches "distillation",
            "tool" matches "tools"); spaces and hyphens are interchangeable ("pre-training"
            also matches "pretraining"). A keyword with an upper-case letter (an acronym such as
            "MoE", "API", "FedAvg", or a phrase with one, "agentic RAG") is matched as whole
            words, optionally plural, its capitalised words case-sensitively.
        exclude: Phrases that use a keyword in another sense; they are masked before matching
            (same matching rules as keywords).
        supporting: Terms that are common outside the theme ("routing", "expert" for mixture of
            experts) and count as evidence only in a paper that also hits one of ``keywords``;
            matched like keywords.
        specific: Keywords of one word that rarely mean anything else ("distillation", where
            the verb "distil" often means "extract"); like a keyword of several words or an
            acronym, a sentence with one counts ``1 + specific_weight`` times. Each is also one
            of ``keywords`` (added there when missing).
        list_mentions: Whether a term met only as one item of a list of examples or of others'
            work ("techniques such as rehearsal, replay, and distillation") is evidence. Such a
            passing mention says nothing of the paper itself, so by default it is not (see
            :func:`list_mention`).
    """

    key: str
    label: str
    description: str
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    supporting: tuple[str, ...] = ()
    specific: tuple[str, ...] = ()
    list_mentions: bool = False

    def __post_init__(self) -> None:
        keywords = tuple(dict.fromkeys(tuple(self.keywords) + tuple(self.specific)))
        object.__setattr__(self, "keywords", keywords)

    def specific_keywords(self) -> frozenset[str]:
        """Keywords that rarely mean anything else: several words, an acronym, or listed in
        ``specific``."""
        return frozenset(t for t in self.keywords if t in self.specific or _is_specific(t))


@dataclass(frozen=True)
class ThemeSettings:
    """Thresholds and weights of the theme scorer (config ``themes.scoring``).

    The weights are shared by all themes. ``bias``, ``semantic_weight``, ``sense_weight`` and
    ``term_weight`` are the coefficients of one logistic model fitted on all themes of the seed
    labels at once (and rounded); see the module docstring for the formula.

    Attributes:
        threshold: A paper joins a theme when its score is at least this.
        review_threshold: A paper scoring at least this but below ``threshold`` is
            *borderline* for the theme: not a member, but listed with its evidence for the
            reader to check (``papers.csv`` and the report). At or above ``threshold``, none is.
        bias: Intercept of the logistic combination.
        semantic_weight: Weight of the paper-description similarity (robust z-score).
        sense_weight: Weight of the best keyword-hit sentence's similarity to the description
            (same z-scale); applies only when the paper has a keyword hit.
        term_weight: Weight of ``log(1 + number of sentences with a keyword hit)``.
        specific_weight: Extra count of a hit sentence with a specific keyword (of several
            words, an acronym, or listed in the theme's ``specific``) or with two different
            keywords of the theme: it counts ``1 + specific_weight`` sentences in the term
            evidence. Chosen on the seed labels
            and three hand-labelled windows of real listings pooled (BENCHMARKS.md, "Specific
            keywords").
        neighbour_weight: Share of the score taken from the mean score of the paper's nearest
            neighbours within its topic (0 disables topic smoothing).
        neighbours: How many nearest topic-mates are averaged.
        sentences_per_theme: At most this many keyword-hit sentences per paper and theme are
            embedded (the sense check).
        min_papers_for_stats: Below this many papers, the corpus median/MAD of the similarities
            are unreliable and ``background_center``/``background_scale`` are used instead.
        background_center: Fallback median of paper-description cosine similarity.
        background_scale: Fallback robust spread (MAD x 1.4826) of that similarity.
        sense_background_papers: When the sense check has a model of its own, this many papers
            are embedded by it too, for the median and spread of its similarities.
    """

    threshold: float = 0.5
    review_threshold: float = 0.25
    bias: float = -4.8
    semantic_weight: float = 0.45
    sense_weight: float = 0.55
    term_weight: float = 2.5
    specific_weight: float = 1.5
    neighbour_weight: float = 0.1
    neighbours: int = 10
    sentences_per_theme: int = 2
    min_papers_for_stats: int = 50
    background_center: float = 0.25
    background_scale: float = 0.075
    sense_background_papers: int = 500


@dataclass
class ThemeResult:
    """Per paper x theme: ``scores`` (float, 0..1), ``assigned`` (bool), ``evidence`` (str),
    ``borderline`` (bool: not assigned, but scored at least ``review_threshold``).

    These DataFrames are indexed like the papers and have one column per theme key; evidence is
    given for assigned and borderline pairs.
    ``extra`` holds the diagnostic components (DataFrames of the same shape): ``semantic``
    (z-score of paper-description similarity), ``sense`` (z-score of the best hit sentence, NaN
    without hits), ``hits`` (sentences with a keyword hit), ``weighted_hits`` (the same, those
    with a specific keyword counted ``1 + specific_weight`` times) and ``own`` (score before
    topic smoothing).
    """

    scores: pd.DataFrame
    assigned: pd.DataFrame
    evidence: pd.DataFrame
    borderline: pd.DataFrame
    extra: dict = field(default_factory=dict)


def themes_from_config(config: dict) -> tuple[list[Theme], ThemeSettings]:
    """Read the themes and the scorer settings from a config.

    Args:
        config: The whole config (with a ``themes`` key) or just its ``themes`` block, which has
            ``definitions`` (list of dicts with key, label, description, keywords, exclude,
            supporting, specific, list_mentions) and an optional ``scoring`` dict of
            :class:`ThemeSettings` fields.

    Returns:
        The themes, in config order, and the settings (defaults for missing keys).

    Raises:
        ValueError: On a duplicate theme key or an unknown scoring key.
    """
    block = config.get("themes", config)
    themes = []
    for d in block.get("definitions", []):
        themes.append(
            Theme(
                key=str(d["key"]),
                label=str(d.get("label", d["key"])),
                description=str(d["description"]).strip(),
                keywords=tuple(d.get("keywords") or ()),
                exclude=tuple(d.get("exclude") or ()),
                supporting=tuple(d.get("supporting") or ()),
                specific=tuple(d.get("specific") or ()),
                list_mentions=bool(d.get("list_mentions", False)),
            )
        )
    keys = [t.key for t in themes]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate theme keys: {keys}")
    scoring = dict(block.get("scoring") or {})
    known = {f.name for f in fields(ThemeSettings)}
    unknown = set(scoring) - known
    if unknown:
        raise ValueError(f"unknown themes.scoring keys: {sorted(unknown)}")
    return themes, ThemeSettings(**scoring)


def theme_texts(themes: Sequence[Theme]) -> list[str]:
    """The theme texts to embed: one per theme, its description, in theme order.

    Args:
        themes: The themes.

    Returns:
        ``[theme.description for theme in themes]``; pass their embeddings to
        :func:`score_themes` in this order.
    """
    return [t.description for t in themes]


# --- term matching -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_SEP = r"[\s\-]*"


def split_sentences(text: str) -> list[str]:
    """Split an abstract into sentences (at ., ! or ? followed by a capital or digit).

    Args:
        text: The text.

    Returns:
        Non-empty, stripped sentences.
    """
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _is_acronym(term: str) -> bool:
    return any(c.isupper() for c in term)


def _words(term: str) -> list[str]:
    """A term's words: spaces and hyphens separate them."""
    return [w for w in re.split(r"[\s\-]+", term.strip()) if w]


def _is_specific(term: str) -> bool:
    """A keyword that rarely means anything else: several words, or an acronym."""
    return _is_acronym(term) or len(_words(term)) > 1


#: A ``*`` word in a keyword stands for one to three words ("mixture of * experts": "mixture
#: of LoRA experts", "mixture of low-rank experts").
_WILDCARD = "*"
_ANY_WORDS = r"(?:[\s\-]+[\w']+){1,3}[\s\-]+"


def _term_regex(term: str) -> str:
    r"""A keyword's pattern after a word start (the caller puts ``(?<!\w)`` once before all)."""
    words = _words(term)
    stars = [i for i, w in enumerate(words) if w == _WILDCARD]
    ends = {0, len(words) - 1}
    if ends & set(stars) or any(b - a == 1 for a, b in itertools.pairwise(stars)):
        raise ValueError(f"{term!r}: a '*' stands for words between two words of a term")
    acronym = _is_acronym(term)  # its capitalised words case-sensitive, the others not
    parts = [
        re.escape(w) if not acronym or _is_acronym(w) else f"(?i:{re.escape(w)})" for w in words
    ]
    body = parts[0]
    for before, word, part in zip(words, words[1:], parts[1:], strict=False):
        if word == _WILDCARD:
            continue
        body += (_ANY_WORDS if before == _WILDCARD else _SEP) + part
    if acronym:
        return rf"(?<!-){body}s?(?!\w)"
    return rf"(?i:{body}\w*)"


def _alternatives(regexes: Sequence[str]) -> re.Pattern:
    """One pattern for several keywords: the word-start check comes first, once.

    Put inside each alternative, the check would be tried for every keyword at every character
    of the text; in front, most positions (inside a word) fail it at once.
    """
    return re.compile(r"(?<!\w)(?:" + "|".join(regexes) + ")")


@dataclass(frozen=True)
class _Matcher:
    terms: tuple[str, ...]
    pattern: re.Pattern | None
    exclude: re.Pattern | None
    #: The theme's supporting terms: evidence only beside a keyword hit.
    supporting: frozenset[str] = frozenset()
    #: Per keyword, its words, each with whether it is matched case-sensitively (a word with
    #: a capital letter; the others lower-cased). A text can only hit a keyword if it contains
    #: each of its words, which plain substring search tells far faster than the patterns.
    needles: tuple[tuple[tuple[str, bool], ...], ...] = ()
    #: Whether a term that is only one item of a list of examples counts (Theme.list_mentions).
    list_mentions: bool = False

    @classmethod
    def of(cls, theme: Theme) -> _Matcher:
        terms = tuple(
            sorted(dict.fromkeys(theme.keywords + theme.supporting), key=len, reverse=True)
        )
        pattern = None
        if terms:
            pattern = _alternatives([f"({_term_regex(t)})" for t in terms])
        exclude = None
        if theme.exclude:
            ex = sorted(theme.exclude, key=len, reverse=True)
            exclude = _alternatives([_term_regex(t) for t in ex])
        supporting = frozenset(theme.supporting) - frozenset(theme.keywords)
        needles = []
        for term in terms:
            if term in supporting:
                continue  # a paper without a keyword has no evidence
            needles.append(
                tuple(
                    (w, True) if _is_acronym(w) else (w.lower(), False)
                    for w in _words(term)
                    if w != _WILDCARD
                )
            )
        return cls(terms, pattern, exclude, supporting, tuple(needles), theme.list_mentions)

    def may_match(self, text: str, lowered: str) -> bool:
        """False only when ``text`` (``lowered`` is ``text.lower()``) cannot hit a keyword."""
        return any(
            all(w in (text if exact else lowered) for w, exact in words) for words in self.needles
        )

    def find(self, text: str) -> list[str]:
        return [term for _, term in self.find_at(text)]

    def find_at(self, text: str, passing=None) -> list[tuple[int, str]]:
        """Each term occurrence as (position in ``text``, term), excluded phrases masked.

        ``passing(position)``, if given, tells a passing mention, which is dropped unless the
        theme counts them (``list_mentions``). Supporting terms are kept only when ``text``
        also hits a keyword that is kept.
        """
        if self.pattern is None:
            return []
        if self.exclude is not None:
            # the same length, so positions stay those of the unmasked text
            text = self.exclude.sub(lambda m: " " * len(m.group()), text)
        found = [(m.start(), self.terms[m.lastindex - 1]) for m in self.pattern.finditer(text)]
        if passing is not None and not self.list_mentions:
            found = [(at, term) for at, term in found if not passing(at)]
        if all(term in self.supporting for _, term in found):
            return []
        return found


def find_terms(text: str, theme: Theme) -> list[str]:
    """The theme's terms found in a text, one entry per occurrence, excluded phrases masked.

    Supporting terms count only in a text that also has a keyword.

    Args:
        text: A sentence or whole text.
        theme: The theme whose keywords and exclusions apply.

    Returns:
        The matching keywords as written in the config, in order of occurrence (a longer
        keyword wins over a shorter one at the same place).
    """
    return _Matcher.of(theme).find(text)


#: Words of a list item at most; a longer stretch between commas is a clause, not an item.
_ITEM_WORDS = 6
#: Joins the last item of a list to the others.
_LIST_AND = re.compile(r"\s*(?:and|or|and/or|as well as)\s+", re.IGNORECASE)
#: Words that introduce a list as examples; they must stand just before or in the list.
_EXAMPLE_CUE = re.compile(
    r"\b(?:such as|e\.g\.|for (?:example|instance)|like)(?!\w)", re.IGNORECASE
)
#: Words that make a list one of others' work, anywhere before the term.
_OTHERS_CUE = re.compile(
    r"\b(?:existing|prior|previous(?:ly)?|traditional|conventional|various|numerous|others?|"
    r"beyond|outperform\w*|compared (?:to|with)|than)\b",
    re.IGNORECASE,
)


def _list_items(sentence: str) -> list[tuple[int, int]]:
    """Spans between the sentence's commas and semicolons, those inside brackets ignored."""
    spans, start, depth = [], 0, 0
    for i, ch in enumerate(sentence):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(sentence)))
    return spans


def _list_start(sentence: str, at: int) -> int | None:
    """Where the list ("A, B, and C"; three items or more) holding position ``at`` starts.

    Items are the stretches between commas of at most ``_ITEM_WORDS`` words; the last one starts
    with "and" or "or" and may run on, and the first one may be the last words of a longer
    stretch ("techniques such as A, B, and C"). None when ``at`` is in no such list.
    """
    spans = _list_items(sentence)
    k = next(i for i, (a, b) in enumerate(spans) if a <= at <= b)

    def text(i):
        return sentence[spans[i][0] : spans[i][1]]

    def short(i):
        return len(text(i).split()) <= _ITEM_WORDS

    def closes(i):
        return _LIST_AND.match(text(i)) is not None

    def closed_after(i):  # short items after i, then one that starts with "and"/"or"
        j = i + 1
        while j < len(spans) and short(j) and not closes(j):
            j += 1
        return j if j < len(spans) and closes(j) else None

    def tail(i):  # where the last _ITEM_WORDS words of stretch i start
        words = list(re.finditer(r"\S+", text(i)))
        return spans[i][0] + (words[-_ITEM_WORDS].start() if len(words) > _ITEM_WORDS else 0)

    def start_of_run(i):  # the list that has the short item i and the short ones before it
        while i >= 1 and short(i - 1) and not closes(i - 1):
            i -= 1
        return tail(i - 1) if i >= 1 else spans[0][0]

    if closes(k):  # the last item: the term within its first words, after two items
        joined = spans[k][0] + _LIST_AND.match(text(k)).end()
        if len(sentence[joined:at].split()) >= _ITEM_WORDS or k < 2 or not short(k - 1):
            return None
        return start_of_run(k - 1)
    if short(k) and k >= 1:  # a middle item
        return start_of_run(k) if closed_after(k) is not None else None
    # the first item: the term in the last words of its stretch
    if len(sentence[at : spans[k][1]].split()) > _ITEM_WORDS:
        return None
    end = closed_after(k)
    return tail(k) if end is not None and end - k >= 2 else None


def list_mention(sentence: str, at: int) -> bool:
    """Whether the term at ``at`` is a passing mention: one item of a list of examples.

    True when the term sits in one item of a list of three or more ("A, B, and C"; items of at
    most six words, commas inside brackets ignored) that the sentence gives as examples ("such
    as", "e.g.", "like" just before or in the list) or as others' work ("existing", "prior",
    "outperforming", ... anywhere before the term). A list of the paper's own parts ("three
    stages: A, B, and C") has no such cue and is not a passing mention. The labelling rules of
    the hand labels (``tests/data/seed_labels.csv``) do not count such mentions either.

    Args:
        sentence: One sentence of an abstract.
        at: Position of the term's first character in ``sentence``.

    Returns:
        True for a passing mention.
    """
    others = _OTHERS_CUE.search(sentence, 0, at) is not None
    if not others and _EXAMPLE_CUE.search(sentence, 0, at) is None:
        return False  # no cue at all: the list need not be looked for
    start = _list_start(sentence, at)
    return start is not None and (others or _EXAMPLE_CUE.search(sentence, start, at) is not None)


def _paper_sentences(title: str, abstract: str) -> list[str]:
    title = " ".join(str(title or "").split())
    return ([title] if title else []) + split_sentences(str(abstract or ""))


#: Joins a paper's sentences for the whole-paper check in ``_hits``: neither a word character
#: nor a keyword separator, so no keyword or excluded phrase can match across it.
_SENTENCE_BREAK = " | "


def _passing_in_paper(sentences, starts, titled, at) -> bool:
    """Whether position ``at`` of a paper's joined sentences is a passing mention; a title's
    list is the paper's own content, never one."""
    si = bisect.bisect_right(starts, at) - 1
    return not (si == 0 and titled) and list_mention(sentences[si], at - starts[si])


def _hits(titles, abstracts, themes):
    """Per paper and theme: list of (sentence index, sentence, terms) with a keyword hit.

    Most papers hit no keyword of most themes, so a paper is first checked as a whole for all
    the words of some keyword (substring search). A paper that passes is matched once, all its
    sentences joined by ``_SENTENCE_BREAK`` (which no pattern can match across), and each hit is
    credited to the sentence it falls in: the same hits as matching sentence by sentence.
    Passing mentions (:func:`list_mention`) in the abstract are dropped unless the theme counts
    them.
    """
    matchers = [_Matcher.of(t) for t in themes]
    out = []
    for title, abstract in zip(titles, abstracts, strict=True):
        sentences = _paper_sentences(title, abstract)
        titled = bool(str(title or "").strip())
        whole = _SENTENCE_BREAK.join(sentences)
        lowered = whole.lower()
        starts = list(
            itertools.accumulate((len(s) + len(_SENTENCE_BREAK) for s in sentences), initial=0)
        )
        per_theme = []
        passing = functools.partial(_passing_in_paper, sentences, starts, titled)
        for m in matchers:
            by_sentence: dict[int, list[str]] = {}
            if m.may_match(whole, lowered):
                for at, term in m.find_at(whole, passing):
                    by_sentence.setdefault(bisect.bisect_right(starts, at) - 1, []).append(term)
            per_theme.append([(si, sentences[si], terms) for si, terms in by_sentence.items()])
        out.append(per_theme)
    return out


#: Joins a hit sentence's terms in the frame of :func:`keyword_hits` (no keyword holds it).
_TERM_SEP = "\n"
_HIT_COLUMNS = ["row", "theme", "sentence", "terms"]


def keyword_hits(
    titles: Sequence[str], abstracts: Sequence[str], themes: Sequence[Theme]
) -> pd.DataFrame:
    """Every sentence with a keyword hit, per paper and theme (the term evidence).

    Computed once per run (rule ``embed_themes``) and passed to :func:`candidate_sentences` and
    :func:`score_themes`, which otherwise search the papers themselves.

    Args:
        titles: Paper titles.
        abstracts: Paper abstracts, aligned with ``titles``.
        themes: The themes.

    Returns:
        DataFrame with columns ``row`` (0-based position of the paper), ``theme`` (key),
        ``sentence`` (position of the sentence in the paper; 0 is the title) and ``terms`` (the
        matched terms in order of occurrence, repeats kept, joined by a newline); ordered by
        paper, then theme as configured, then sentence.
    """
    rows = []
    for i, per_theme in enumerate(_hits(titles, abstracts, themes)):
        for theme, found in zip(themes, per_theme, strict=True):
            for si, _, terms in sorted(found, key=lambda h: h[0]):
                rows.append((i, theme.key, si, _TERM_SEP.join(terms)))
    return pd.DataFrame(rows, columns=_HIT_COLUMNS).astype({"row": int, "sentence": int})


def _rank(terms: str, sentence: int) -> tuple[int, int]:
    """Sort key of hit sentences, most informative first: most distinct terms, then earliest."""
    return -len(set(terms.split(_TERM_SEP))), sentence


def _selected(hits: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Per paper and theme, the ``limit`` first hit sentences by :func:`_rank`, groups in the
    order of ``hits``."""
    if hits.empty:
        return hits
    ranks = [_rank(t, s) for t, s in zip(hits["terms"], hits["sentence"], strict=True)]
    order = hits.assign(_rank=ranks, _pos=np.arange(len(hits)))
    group = order.groupby(["row", "theme"], sort=False)["_pos"].transform("min")
    order = order.assign(_group=group).sort_values(["_group", "_rank"])
    return order.groupby(["row", "theme"], sort=False).head(limit)[_HIT_COLUMNS]


def candidate_sentences(
    titles: Sequence[str],
    abstracts: Sequence[str],
    themes: Sequence[Theme],
    max_per_theme: int = ThemeSettings.sentences_per_theme,
    hits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sentences whose embeddings are needed for the sense check: keyword-hit sentences.

    For each paper and theme, at most ``max_per_theme`` sentences (the title counts as a
    sentence) containing a keyword of the theme, preferring sentences with more distinct
    keywords, then earlier ones. Papers without any hit contribute nothing, so the count stays
    small.

    Args:
        titles: Paper titles.
        abstracts: Paper abstracts, aligned with ``titles``.
        themes: The themes.
        max_per_theme: Use ``ThemeSettings.sentences_per_theme``.
        hits: :func:`keyword_hits` of the same papers and themes, if already computed.

    Returns:
        DataFrame with columns ``row`` (0-based position of the paper), ``theme`` (key),
        ``sentence`` (text to embed) and ``terms`` (matched keywords joined by ", "); one row per
        paper, theme and sentence. Embed ``sentence`` in row order and pass the vectors to
        :func:`score_themes` together with this frame.
    """
    if hits is None:
        hits = keyword_hits(titles, abstracts, themes)
    rows, sentences = [], {}  # a paper is split into sentences once, however many hits it has
    for row, key, si, terms in _selected(hits, max_per_theme).itertuples(index=False):
        if row not in sentences:
            sentences[row] = _paper_sentences(titles[row], abstracts[row])
        rows.append(
            (row, key, sentences[row][si], ", ".join(dict.fromkeys(terms.split(_TERM_SEP))))
        )
    return pd.DataFrame(rows, columns=["row", "theme", "sentence", "terms"])


def save_theme_vectors(
    path,
    theme_vectors: np.ndarray,
    candidates: pd.DataFrame,
    candidate_vectors: np.ndarray,
    hits: pd.DataFrame,
    sense_theme_vectors: np.ndarray | None = None,
    sense_background: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """Write what rule ``embed_themes`` makes: theme vectors, keyword hits, candidate sentences
    and their vectors.

    Args:
        path: The ``.npz`` file.
        theme_vectors: Embeddings of :func:`theme_texts` by the paper model.
        candidates: The frame of :func:`candidate_sentences`.
        candidate_vectors: Embeddings of ``candidates["sentence"]``, in row order.
        hits: The frame of :func:`keyword_hits`.
        sense_theme_vectors: Embeddings of :func:`theme_texts` by the sentences' model, when
            it is not the paper model (None: it is).
        sense_background: That model's :func:`similarity_background`, with
            ``sense_theme_vectors``.
    """
    if (sense_theme_vectors is None) != (sense_background is None):
        raise ValueError("sense_theme_vectors and sense_background go together")
    sense = {}
    if sense_theme_vectors is not None:
        center, scale = sense_background
        sense = {
            "sense_theme_vectors": sense_theme_vectors,
            "sense_center": np.asarray(center, dtype=float),
            "sense_scale": np.asarray(scale, dtype=float),
        }
    np.savez(
        path,
        hit_rows=hits["row"].to_numpy(dtype=np.int64),
        hit_themes=hits["theme"].to_numpy().astype(str),
        hit_sentences=hits["sentence"].to_numpy(dtype=np.int64),
        hit_terms=hits["terms"].to_numpy().astype(str),
        theme_vectors=theme_vectors,
        candidate_rows=candidates["row"].to_numpy(),
        candidate_themes=candidates["theme"].to_numpy().astype(str),
        candidate_sentences=candidates["sentence"].to_numpy().astype(str),
        candidate_vectors=candidate_vectors,
        **sense,
    )


def load_theme_vectors(path) -> dict:
    """Read a :func:`save_theme_vectors` file as keyword arguments of :func:`score_themes`.

    Returns:
        ``theme_vectors``, ``candidates`` (columns ``row``, ``theme``, ``sentence``),
        ``candidate_vectors``, ``hits`` (the frame of :func:`keyword_hits`),
        ``sense_theme_vectors`` and ``sense_background`` (both None when the sentences were
        embedded by the paper model).
    """
    with np.load(path) as data:
        own_model = "sense_theme_vectors" in data
        return {
            "sense_theme_vectors": data["sense_theme_vectors"] if own_model else None,
            "sense_background": (data["sense_center"], data["sense_scale"]) if own_model else None,
            "theme_vectors": data["theme_vectors"],
            "hits": pd.DataFrame(
                {
                    "row": data["hit_rows"],
                    "theme": data["hit_themes"],
                    "sentence": data["hit_sentences"],
                    "terms": data["hit_terms"],
                },
                columns=_HIT_COLUMNS,
            ),
            "candidates": pd.DataFrame(
                {
                    "row": data["candidate_rows"],
                    "theme": data["candidate_themes"],
                    "sentence": data["candidate_sentences"],
                }
            ),
            "candidate_vectors": data["candidate_vectors"],
        }


# --- scoring ---------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def background_sample(texts: Sequence[str], size: int) -> np.ndarray:
    """Which papers a second model embeds for its similarity background.

    The papers whose texts have the smallest SHA-1 digests: a sample that looks random but
    depends on no seed, and that a rerun with new papers changes only where a new paper's
    digest is smaller than the largest kept, so the scale of already seen papers stays put.

    Args:
        texts: The paper texts (title and abstract).
        size: At most this many.

    Returns:
        Row indices into ``texts``, ascending.
    """
    digests = [hashlib.sha1(text.encode("utf-8")).digest() for text in texts]
    chosen = sorted(range(len(texts)), key=digests.__getitem__)[: max(0, size)]
    return np.array(sorted(chosen), dtype=np.int64)


def similarity_background(
    sim: np.ndarray, settings: ThemeSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Per-theme centre and robust scale of paper-description similarity.

    Args:
        sim: ``(n_papers, n_themes)`` cosine similarities.
        settings: For the fallback of a tiny corpus (``min_papers_for_stats``).

    Returns:
        ``(center, scale)``: the median and 1.4826 x the median absolute deviation per theme,
        or the configured fallbacks below ``min_papers_for_stats`` papers.
    """
    k = sim.shape[1]
    if sim.shape[0] < settings.min_papers_for_stats:
        return (np.full(k, settings.background_center), np.full(k, settings.background_scale))
    center = np.median(sim, axis=0)
    # scipy.stats.median_abs_deviation(scale="normal") is the same, but importing scipy.stats
    # costs the assign_themes job about a second on every run
    scale = 1.4826 * np.median(np.abs(sim - center), axis=0)
    return center, np.maximum(scale, 1e-3)


def _neighbour_mean(
    values: np.ndarray, embeddings: np.ndarray, topics: np.ndarray, k: int, chunk: int = 2048
) -> np.ndarray:
    """Mean of ``values`` over each paper's k nearest neighbours within its topic.

    Papers alone in their topic, and outliers (topic -1), get their own value.
    """
    out = values.copy()
    for topic in np.unique(topics):
        if topic < 0:
            continue
        idx = np.flatnonzero(topics == topic)
        kk = min(k, len(idx) - 1)
        if kk < 1:
            continue
        emb = embeddings[idx]
        for start in range(0, len(idx), chunk):
            rows = np.arange(start, min(start + chunk, len(idx)))
            sim = emb[rows] @ emb.T
            sim[np.arange(len(rows)), rows] = -np.inf
            nn = np.argpartition(-sim, kk - 1, axis=1)[:, :kk]
            out[idx[rows]] = values[idx][nn].mean(axis=1)
    return out


_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by for from in into is it its of on or that the their them they "
        "this to with without over each many few whatever",
    )
)


def _lexical_best(sentences: list[str], theme: Theme) -> str:
    """The sentence sharing most description/keyword words (evidence when no hit was embedded)."""
    text = f"{theme.description} {' '.join(theme.keywords)}".lower()
    vocab = {w[:6] for w in _WORD.findall(text)}
    vocab -= {w[:6] for w in _STOP}
    best, best_n = "", 0
    for s in sentences:
        n = len({w[:6] for w in _WORD.findall(s.lower())} & vocab)
        if n > best_n:
            best, best_n = s, n
    return best


def score_themes(
    titles: Sequence[str],
    abstracts: Sequence[str],
    paper_vectors: np.ndarray,
    themes: Sequence[Theme],
    theme_vectors: np.ndarray,
    candidates: pd.DataFrame | None = None,
    candidate_vectors: np.ndarray | None = None,
    topics: Sequence[int] | None = None,
    settings: ThemeSettings | None = None,
    index: Sequence | pd.Index | None = None,
    hits: pd.DataFrame | None = None,
    sense_theme_vectors: np.ndarray | None = None,
    sense_background: tuple[np.ndarray, np.ndarray] | None = None,
) -> ThemeResult:
    """Score every paper against every theme and assign themes (multi-label).

    Args:
        titles: Paper titles.
        abstracts: Paper abstracts, aligned with ``titles``.
        paper_vectors: ``(n_papers, dim)`` unit-normalised embeddings of
            ``paper_text(title, abstract)``.
        themes: The themes.
        theme_vectors: ``(len(theme_texts(themes)), dim)`` unit-normalised embeddings of
            :func:`theme_texts`, in that order.
        candidates: The frame returned by :func:`candidate_sentences` for the same papers and
            themes (columns ``row``, ``theme``, ``sentence`` are used; None: no sense check).
        candidate_vectors: ``(len(candidates), dim)`` unit-normalised embeddings of
            ``candidates["sentence"]``, in row order.
        topics: One topic id per paper (None or -1: no topic smoothing for that paper).
        settings: Scorer settings (defaults if None).
        index: Index for the result frames (e.g. paper ids); default ``0..n-1``.
        hits: :func:`keyword_hits` of the same papers and themes (None: searched here).
        sense_theme_vectors: When ``candidate_vectors`` come from another model than
            ``paper_vectors``: that model's embeddings of :func:`theme_texts` (None: the
            same model, ``theme_vectors`` serve both).
        sense_background: With ``sense_theme_vectors``: ``(center, scale)`` of that model's
            paper-description similarities (:func:`similarity_background` on a sample of the
            papers), so that a sentence is scored on its own model's z-scale.

    Returns:
        The scores, assignments and evidence, indexed like the papers, one column per theme.

    Raises:
        ValueError: If array shapes do not match the papers, themes or sentences.
    """
    settings = settings or ThemeSettings()
    titles, abstracts = list(titles), list(abstracts)
    n, keys = len(titles), [t.key for t in themes]
    paper_vectors = np.asarray(paper_vectors, dtype=float).reshape(n, -1)
    theme_vectors = np.asarray(theme_vectors, dtype=float)
    if len(abstracts) != n:
        raise ValueError("titles and abstracts differ in length")
    if theme_vectors.shape[0] != len(theme_texts(themes)):
        raise ValueError("theme_vectors must have one row per theme_texts(themes) entry")
    index = pd.RangeIndex(n) if index is None else pd.Index(index)
    if len(index) != n:
        raise ValueError("index must have one entry per paper")

    # semantic: paper vs description, robust z-score per theme
    sim = paper_vectors @ theme_vectors.T
    center, scale = similarity_background(sim, settings)
    z_doc = (sim - center) / scale

    # terms: sentences with a keyword hit (all sentences, regex only)
    if hits is None:
        hits = keyword_hits(titles, abstracts, themes)
    hits = hits[hits["theme"].isin(keys) & (hits["row"] < n)]
    hit_cols = hits["theme"].map({k: j for j, k in enumerate(keys)}).to_numpy(dtype=int)
    hit_rows = hits["row"].to_numpy(dtype=int)
    n_hits = np.zeros((n, len(themes)))
    np.add.at(n_hits, (hit_rows, hit_cols), 1)
    specific = [theme.specific_keywords() for theme in themes]
    plain = [frozenset(theme.keywords) for theme in themes]

    def is_specific(j: int, terms: str) -> bool:
        found = terms.split(_TERM_SEP)
        if any(term in specific[j] for term in found):
            return True
        # two different keywords in one sentence corroborate each other ("distils ... from
        # teacher LLMs"); supporting terms are no keywords
        return len(plain[j].intersection(found)) >= 2

    hit_weight = 1.0 + settings.specific_weight * np.array(
        [is_specific(j, terms) for j, terms in zip(hit_cols, hits["terms"], strict=True)],
        dtype=float,
    )
    weighted_hits = np.zeros((n, len(themes)))
    np.add.at(weighted_hits, (hit_rows, hit_cols), hit_weight)

    # sense check: best embedded hit sentence vs description, same z-scale (its model's own)
    if sense_theme_vectors is None:
        sense_theme_vectors, sense_center, sense_scale = theme_vectors, center, scale
    elif sense_background is None:
        raise ValueError("sense_theme_vectors need their sense_background")
    else:
        sense_theme_vectors = np.asarray(sense_theme_vectors, dtype=float)
        sense_center, sense_scale = (np.asarray(a, dtype=float) for a in sense_background)
        if sense_theme_vectors.shape[0] != theme_vectors.shape[0]:
            raise ValueError("sense_theme_vectors must have one row per theme_vectors row")
    z_sense = np.full((n, len(themes)), np.nan)
    best_sentence: dict[tuple[int, int], str] = {}
    if candidates is not None and len(candidates):
        if candidate_vectors is None or len(candidate_vectors) != len(candidates):
            raise ValueError("candidate_vectors must have one row per candidate sentence")
        col = {k: j for j, k in enumerate(keys)}
        j_of = candidates["theme"].map(col)
        ok = j_of.notna().to_numpy() & (candidates["row"].to_numpy() < n)
        p_idx = candidates["row"].to_numpy()[ok].astype(int)
        t_idx = j_of.to_numpy()[ok].astype(int)
        emb = np.asarray(candidate_vectors, dtype=float)[ok]
        cos = np.einsum("ij,ij->i", emb, sense_theme_vectors[t_idx])
        z = (cos - sense_center[t_idx]) / sense_scale[t_idx]
        texts = candidates["sentence"].to_numpy()[ok]
        for pi, ti, zi, s in zip(p_idx, t_idx, z, texts, strict=True):
            if np.isnan(z_sense[pi, ti]) or zi > z_sense[pi, ti]:
                z_sense[pi, ti] = zi
                best_sentence[(pi, ti)] = s

    has = n_hits > 0
    logit = settings.bias + settings.semantic_weight * z_doc
    logit = logit + has * (
        settings.sense_weight * np.nan_to_num(z_sense, nan=0.0)
        + settings.term_weight * np.log1p(weighted_hits)
    )
    own = _sigmoid(logit)

    score = own
    if topics is not None and settings.neighbour_weight > 0:
        topics_arr = np.asarray(topics, dtype=int).reshape(n)
        nbr = _neighbour_mean(own, paper_vectors, topics_arr, settings.neighbours)
        score = (1 - settings.neighbour_weight) * own + settings.neighbour_weight * nbr
    score = np.clip(score, 0.0, 1.0)
    assigned = score >= settings.threshold
    borderline = ~assigned & (score >= settings.review_threshold)

    evidence = np.full((n, len(themes)), "", dtype=object)
    hit_groups = pd.Series(np.arange(len(hits))).groupby([hit_rows, hit_cols]).indices
    hit_terms, hit_sentences = hits["terms"].to_numpy(), hits["sentence"].to_numpy()
    for i, j in zip(*np.nonzero(assigned | borderline), strict=True):
        found = hit_groups.get((i, j), ())
        parts = []
        if len(found):
            counts: dict[str, int] = {}
            for terms in hit_terms[found]:
                for term in terms.split(_TERM_SEP):
                    counts[term] = counts.get(term, 0) + 1
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:4]
            parts.append("terms: " + ", ".join(f"{t} ({c})" if c > 1 else t for t, c in top))
        else:
            parts.append("terms: none (semantic similarity)")
        sentence = best_sentence.get((i, j))
        if sentence is None and len(found):
            best = min(found, key=lambda k: _rank(hit_terms[k], hit_sentences[k]))
            sentence = _paper_sentences(titles[i], abstracts[i])[hit_sentences[best]]
        if sentence is None:
            sentence = _lexical_best(_paper_sentences(titles[i], abstracts[i]), themes[j])
        if sentence:
            parts.append(f'sentence: "{shorten(sentence, 240)}"')
        evidence[i, j] = "; ".join(parts)

    def frame(values) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=keys)

    return ThemeResult(
        scores=frame(score),
        assigned=frame(assigned),
        evidence=frame(evidence),
        borderline=frame(borderline),
        extra={
            "semantic": frame(z_doc),
            "sense": frame(z_sense),
            "hits": frame(n_hits.astype(int)),
            "weighted_hits": frame(weighted_hits),
            "own": frame(own),
        },
    )


# --- baseline and metrics --------------------------------------------------------------------

BASELINE_PATTERNS: dict[str, str] = {
    "federated_learning": r"\bfederated",
    "distillation": r"\bdistill",
    "moe": r"\bmixture[\s-]+of[\s-]+experts?\b|\bMoEs?\b",
    "continual_learning": (
        r"\bcontinual|\blifelong|\bcatastrophic forgetting|\bincremental learning"
    ),
    "tool_use": r"\btools?\b|\bAPIs?\b",
}


def keyword_baseline(
    titles: Sequence[str], abstracts: Sequence[str], themes: Sequence[Theme] | None = None
) -> pd.DataFrame:
    """The keyword baseline of the evaluation table: one regex per theme over title + abstract.

    For the five built-in themes (``BASELINE_PATTERNS``), case-insensitive search of
    ``federated``; ``distill``; ``mixture of experts|MoE``;
    ``continual|lifelong|catastrophic forgetting|incremental learning``; ``tool|API``, word-ish:
    anchored at the start of a word; "MoE", "mixture of experts", "tool" and "API" must also end
    the word (plural allowed), so "toolkit" does not count. Any other theme: any of its
    keywords, matched as the scorer matches them, without exclusions or a sense check.

    Args:
        titles: Paper titles.
        abstracts: Paper abstracts, aligned with ``titles``.
        themes: The themes (None: the keys of ``BASELINE_PATTERNS``).

    Returns:
        Boolean DataFrame (positional index), one column per theme key.
    """
    texts = [f"{t}. {a}" for t, a in zip(titles, abstracts, strict=True)]
    patterns = {key: re.compile(rx, re.IGNORECASE) for key, rx in BASELINE_PATTERNS.items()}
    if themes is not None:
        patterns = {
            theme.key: patterns.get(theme.key)
            or _alternatives([_term_regex(term) for term in theme.keywords])
            for theme in themes
        }
    return pd.DataFrame(
        {key: [rx.search(text) is not None for text in texts] for key, rx in patterns.items()},
        columns=list(patterns),
        dtype=bool,
    )


def theme_metrics(true: pd.DataFrame, pred: pd.DataFrame) -> pd.DataFrame:
    """Per-theme precision, recall and F1, plus their macro average.

    A theme that no labelled paper carries (a theme the labels do not know) has no
    precision, recall or F1 (NaN) and is left out of the macro average, which covers the
    themes the labels hold. A theme for which nothing was predicted has no precision of its
    own (NaN: nothing was claimed); in the macro precision it counts as 0, as in
    scikit-learn, so that macro precision, recall and F1 cover the same themes and claiming
    nothing is not rewarded.

    Args:
        true: Boolean frame of hand labels, one column per theme.
        pred: Boolean frame of predictions, same index and (a superset of the) columns.

    Returns:
        DataFrame indexed by theme key plus a final ``macro`` row, with columns ``precision``,
        ``recall``, ``f1`` and ``support`` (number of true papers; the macro row has the total).
    """
    from sklearn.metrics import precision_recall_fscore_support  # 1 s to import: only here

    keys = list(true.columns)
    truth = true.to_numpy(dtype=bool)
    predicted = pred.loc[true.index, keys].to_numpy(dtype=bool)
    # one binary problem per theme: a one-column indicator matrix would be read as two classes
    p, r, f = (
        np.array(
            [
                precision_recall_fscore_support(
                    truth[:, j], predicted[:, j], average="binary", zero_division=0
                )[:3]
                for j in range(len(keys))
            ],
            dtype=float,
        )
        .reshape(len(keys), 3)
        .T
    )
    s = truth.sum(axis=0)
    held = s > 0
    claimed = predicted.any(axis=0)
    mean = (lambda v: float(v[held].mean())) if held.any() else (lambda v: np.nan)
    macro = [mean(p), mean(r), mean(f), s.sum()]  # unclaimed themes' precision counts as 0
    p = np.where(held & claimed, p, np.nan)
    r, f = np.where(held, r, np.nan), np.where(held, f, np.nan)
    table = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s}, index=keys)
    table.loc["macro"] = macro
    table["support"] = table["support"].astype(int)
    return table
