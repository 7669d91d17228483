"""LaTeX markup in titles and abstracts becomes the plain text a reader sees."""

import pytest

from papertopics.latex import has_latex, latex_to_text, plain_text
from papertopics.listings import paper_id, title_key


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        # accents; text commands keep their text; links their visible text
        ('T{\\"u}LU 3 by G\\"odel', "TüLU 3 by Gödel"),
        ("we propose \\textbf{DDO}, a \\emph{new} method", "we propose DDO, a new method"),
        ("\\textbf{D}ual-\\textbf{D}ecision \\textbf{O}ptimization", "Dual-Decision Optimization"),
        ("code: \\href{https://github.com/x/y}{GitHub}", "code: GitHub"),
        ("use \\texttt{pass@k} and {\\em sparse} experts", "use pass@k and sparse experts"),
        # math is written out; exponents and indices of digits in Unicode
        ("4.6$\\times$ faster", "4.6× faster"),
        ("$\\alpha$-blending and $n$-gram models", "α-blending and n-gram models"),
        ("MoE$^2$: Optimizing", "MoE²: Optimizing"),
        ("a rate of $10^{-3}$ and $\\ell_2$ loss", "a rate of 10⁻³ and ℓ₂ loss"),
        ("$O(n^2)$ but $2^{n}$", "O(n²) but 2^n"),
        # citations go with their brackets; ties are spaces
        ("as in~\\cite{a,b}, we and (\\citep{c})", "as in, we and"),
        # commands standing for words keep the space after them
        ("see, \\eg, this and \\ie that", "see, e.g., this and i.e. that"),
        # what LaTeX would swallow or reinterpret keeps its plain-text sense
        ("a ~50% gain in R&D #1 with \\LaTeX", "a ~50% gain in R&D #1 with LaTeX"),
        ("costs $5 and $10 per run, $\\beta$ fixed", "costs $5 and $10 per run, β fixed"),
        ("only $3 left and \\emph{x}", "only $3 left and x"),
        ("between \\$48-\\$74 a vote, $48-$74 again", "between $48-$74 a vote, $48-$74 again"),
        (
            "on $3$ sets, $\\mathrm{100 \\times faster}$, $Param\\Delta$",
            "on 3 sets, 100 × faster, ParamΔ",
        ),
        ("{\\color{blue}3)} LLM precision", "3) LLM precision"),
        # an unknown (author-defined) command is kept as written, with its space
        ("\\method beats \\ours on $\\Q$", "\\method beats \\ours on \\Q"),
    ],
)
def test_latex_becomes_plain_text(raw, text):
    assert plain_text(raw) == text


@pytest.mark.parametrize(
    "raw",
    [
        "Plain title: no markup {here} at 5% ~ok",
        "snake_case and a^2 outside math stay",
        "",
    ],
)
def test_text_without_latex_is_returned_as_it_is(raw):
    assert not has_latex(raw)
    assert plain_text(raw) == raw


def test_escaped_characters_count_as_markup():
    assert has_latex("3\\% better") and plain_text("3\\% better") == "3% better"


def test_conversion_is_stable():
    for raw in (
        "MoE$^2$: x",
        "\\textbf{A} $\\alpha$",
        "\\method beats $\\Q$",
        "$5 and $6",
        "\\$48-\\$74",
    ):
        once = plain_text(raw)
        assert plain_text(once) == once


def test_a_title_keeps_its_identity_when_converted():
    raw = "S$^2$Teacher: $\\alpha$-Blending with \\textbf{4.6$\\times$} Speed-up"
    assert plain_text(raw) == "S²Teacher: α-Blending with 4.6× Speed-up"
    assert title_key(plain_text(raw)) == title_key(raw)
    assert paper_id(plain_text(raw)) == paper_id(raw)


def test_latex_to_text_converts_braces_even_without_commands():
    # BibTeX fields protect capitals with braces: always converted
    assert latex_to_text("{BERT} and {GPT}-4") == "BERT and GPT-4"
