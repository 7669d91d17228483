"""LaTeX markup in titles and abstracts, as the plain text a reader sees.

Listings copied from arXiv pages and exports keep their authors' LaTeX: ``\\textbf{DDO}``,
``4.6$\\times$ faster``, ``$\\alpha$-blending``, ``\\href{url}{code}``.  Left as it is, the
markup reaches the report and the CSV tables, breaks keyword matches
(``\\textbf{D}istillation``) and gives the topic terms words such as "textbf".
:func:`plain_text` turns it into Unicode text with pylatexenc (imported only when a text
holds markup, so that parsing plain listings stays fast).
"""

from __future__ import annotations

import functools
import logging
import re

__all__ = ["has_latex", "latex_to_text", "plain_text"]

#: A LaTeX command (``\\textbf``, ``\\times``), an accent (``\\"u``), an escaped character
#: (``\\%``) or a math delimiter.
_MARKUP = re.compile(r"\\[a-zA-Z%&#$_{}\"'`^~=.]|\$")

# Citations and cross-references say nothing about a paper's topic: pylatexenc would write them
# as "<cit.>" and "<ref>", words that end up among the topic terms.
_REFERENCES = (
    *("cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear", "citenum"),
    *("nocite", "ref", "eqref", "autoref", "cref", "Cref", "pageref", "label"),
)
_DROPPED = "\x00"
_AROUND_DROPPED = re.compile(r"\s*(?:[(\[]\s*\x00(?:\s*\x00)*\s*[)\]]|\x00(?:\s*\x00)*)")
# Commands pylatexenc does not know that only style their argument (kept), style what follows or
# size delimiters (dropped), or stand for a word.
_STYLING = (
    *("texttt", "textsf", "textup", "textmd", "textnormal", "textsuperscript", "textsubscript"),
    *("mbox", "hbox", "boldsymbol", "bm", "operatorname", "mathscr", "pmb"),
)
_DECLARATIONS = (
    *("em", "it", "bf", "sc", "rm", "tt", "sf", "sl", "left", "right", "big", "Big", "bigg"),
    *("noindent", "xspace", "small", "footnotesize", "large", "Large", "normalsize", "centering"),
    *("displaystyle", "textstyle", "limits", "nolimits"),
)
_WORDS = {"eg": "e.g.", "ie": "i.e.", "etal": "et al.", "deg": "deg", "pmod": "mod"}
_WORDS |= {"LaTeX": "LaTeX", "TeX": "TeX", "checkmark": "✓", "textquotedbl": '"'}
_WORDS |= {"xrightarrow": "→", "xleftarrow": "←"}

# Characters that plain text uses in their everyday sense but LaTeX would not keep: a bare %
# starts a comment, & aligns, # is a parameter, ~ before a number means "about" (as a tie, before
# \cite, it stays a space).
_BARE = re.compile(r"(?<!\\)([%&#])")
_ABOUT = re.compile(r"(?<!\\)~(?=\d)")
# Dollar signs pair up into math spans. A span that starts with a digit, holds no command and
# has a plain word in it or ends like a phrase ("costs $5 and $10", "$48-$74") is money, not math
# ("$10^{-3}$", "$3$", "$100 \times$" stay math), and so is a dollar sign without a partner.
_DOLLAR = re.compile(r"(?<!\\)\$")
_MONEY = re.compile(r"\d[^\\]*(?:(?:^|[\s(])[A-Za-z]{2,}\b[^\\]*|[\s,-])")
# Exponents and indices of digits have Unicode forms: "MoE$^2$" reads "MoE²", "$10^{-3}$"
# "10⁻³", "$\ell_2$" "ℓ₂"; others stay as pylatexenc writes them ("2^n").
_SCRIPT = re.compile(r"([\^_])(?:\{\s*([-+−]?\d+)\s*\}|(\d))")
_SUPERSCRIPT = str.maketrans("0123456789+-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻")
_SUBSCRIPT = str.maketrans("0123456789+-−", "₀₁₂₃₄₅₆₇₈₉₊₋₋")


def has_latex(text: str) -> bool:
    """Whether ``text`` holds a LaTeX command or a dollar sign (math, perhaps).

    Args:
        text: Any text.

    Returns:
        True when :func:`plain_text` would convert it.
    """
    return bool(_MARKUP.search(text))


def _script(match: re.Match) -> str:
    digits = match[2] or match[3]
    return digits.translate(_SUPERSCRIPT if match[1] == "^" else _SUBSCRIPT)


def _math_and_money(text: str) -> str:
    """Escape the dollar signs of money; write digit exponents and indices of math in Unicode."""
    at = [m.start() for m in _DOLLAR.finditer(text)]
    out, done = [], 0
    for start, end in zip(at[0::2], at[1::2], strict=False):
        body = text[start + 1 : end]
        if _MONEY.fullmatch(body):
            out += [text[done:start], r"\$", body, r"\$"]
        else:
            out += [text[done:start], "$", _SCRIPT.sub(_script, body), "$"]
        done = end + 1
    rest = text[done:]
    if len(at) % 2:  # a dollar sign without a partner
        rest = rest[: at[-1] - done] + "\\" + rest[at[-1] - done :]
    return "".join(out) + rest


def latex_to_text(text: str) -> str:
    """LaTeX markup as plain Unicode text, whether or not the text seems to hold any.

    Text commands keep their text (``\\textbf{DDO}`` reads "DDO", ``\\href{url}{code}``
    "code"), math is written out (``$\\times$`` "×", ``$\\alpha$`` "α", ``$O(n^2)$`` "O(n²)",
    ``$2^n$`` "2^n"),
    citations and references are dropped with their brackets (``as in~\\cite{x}, we`` reads
    "as in, we"), and a command pylatexenc does not know is kept as written (``$\\Q$``
    "\\Q"), so nothing of the author's text is lost.  ``%``, ``&``, ``#`` and ``~50`` keep their
    plain-text sense, and dollar signs of money ("$5 and $10") stay.

    Args:
        text: A title, an abstract or a BibTeX field.

    Returns:
        The text, whitespace runs collapsed to one space.
    """
    text = _ABOUT.sub(r"\\textasciitilde{}", _BARE.sub(r"\\\1", _math_and_money(text)))
    converter, parsing = _converter()
    text = converter.latex_to_text(text, latex_context=parsing)
    return " ".join(_AROUND_DROPPED.sub("", text).split())


def plain_text(text: str) -> str:
    """:func:`latex_to_text` for a text with LaTeX markup (:func:`has_latex`); other text as it
    is.

    Args:
        text: A title or an abstract, whitespace already normalised.

    Returns:
        The plain text.
    """
    if not has_latex(text):
        return text
    return _converted(text)


# A title is read at parse time, then again by title_key for its key and its paper id: one
# that keeps markup after conversion (an author's own command, money) would be parsed 3 times.
@functools.lru_cache(maxsize=4096)
def _converted(text: str) -> str:
    try:
        return latex_to_text(text)
    except Exception:  # pylatexenc is tolerant; a text it cannot read stays as it was
        return text


def _unknown(node, *_args) -> str:
    """A command pylatexenc does not know, as written (with its space), instead of nothing."""
    return "\\" + node.macroname + (node.macro_post_space or "")


def _word(node, *_args) -> str:
    """A command that stands for a word, with the space after it that LaTeX would swallow."""
    return _WORDS[node.macroname] + (node.macro_post_space or "")


@functools.cache
def _converter():
    from pylatexenc import latex2text, latexwalker, macrospec

    # its tolerant parser logs every unbalanced brace of an abstract at INFO level
    logging.getLogger("pylatexenc").setLevel(logging.WARNING)
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category(
        "papertopics",
        prepend=True,
        macros=[macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("color", "{")],
    )
    writing = latex2text.get_default_latex_context_db()
    writing.add_context_category(
        "papertopics",
        prepend=True,
        macros=[latex2text.MacroTextSpec(name, _DROPPED) for name in _REFERENCES]
        + [latex2text.MacroTextSpec("href", "%(2)s")]
        + [latex2text.MacroTextSpec(name, discard=False) for name in (*_STYLING, "verb")]
        + [latex2text.MacroTextSpec(name, "") for name in (*_DECLARATIONS, "color")]
        + [latex2text.MacroTextSpec(name, _word) for name in _WORDS],
    )
    writing.set_unknown_macro_spec(latex2text.MacroTextSpec("", simplify_repl=_unknown))
    converter = latex2text.LatexNodes2Text(latex_context=writing, math_mode="text")
    return converter, parsing
