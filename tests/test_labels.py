"""Hand-label files (evaluation.labels): reading, theme names, and one-line errors."""

import pytest

from papertopics.labels import LabelError, read_labels
from papertopics.listings import paper_id

THEMES = [
    {"key": "distillation", "label": "Knowledge distillation"},
    {"key": "moe", "label": "Mixture of experts"},
    {"key": "tool_use", "label": "Tool use"},
]


def write(tmp_path, text, name="labels.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_comments_blank_lines_and_other_columns_are_skipped(tmp_path):
    path = write(
        tmp_path,
        "\ufeff# rules\n# more rules\nTitle , Themes,notes\n\nA Study.,moe;distillation,x\nB,,\n",
    )
    rows = read_labels(path, THEMES)
    assert rows == [
        {
            "title": "A Study.",
            "themes": "distillation;moe",
            "line": 5,
            "paper_id": paper_id("a study"),
        },
        {"title": "B", "themes": "", "line": 6, "paper_id": paper_id("B")},
    ]


def test_themes_are_named_by_key_or_label_with_any_separator(tmp_path):
    path = write(
        tmp_path,
        "title,themes\n"
        'A,"Knowledge distillation, mixture-of-experts"\n'
        "B,TOOL_USE | moe\n"
        "C,knowledge_distillation\n",
    )
    assert [row["themes"] for row in read_labels(path, THEMES)] == [
        "distillation;moe",
        "moe;tool_use",
        "distillation",
    ]


def test_without_themes_the_names_are_kept_as_written(tmp_path):
    path = write(tmp_path, "title,themes\nA,y;x;x\n")
    assert read_labels(path)[0]["themes"] == "x;y"


def test_a_repeated_title_with_the_same_themes_is_one_row(tmp_path):
    path = write(tmp_path, "title,themes\nA Study,moe\nB,\na  study.,moe\n")
    assert [row["line"] for row in read_labels(path, THEMES)] == [2, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title,themes\nA,moe\nB,distilation\n", "line 3: unknown theme 'distilation' (themes: "),
        ("title,labels\nA,moe\n", "no column(s) themes in the header line"),
        ("", "no column(s) title, themes in the header line"),
        ("title,themes\nA, with a comma,moe\n", "line 2: 3 fields where the header has 2"),
        ("title,themes\n ,moe\n", "line 2: empty title"),
        (
            "# rules\ntitle,themes\nA Study,moe\nB,\nA study.,tool_use\n",
            "line 5: 'A study.' is labelled 'tool_use' here and 'moe' on line 3",
        ),
    ],
)
def test_bad_files_raise_one_line_naming_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(LabelError) as err:
        read_labels(path, THEMES)
    assert str(err.value).startswith(f"{path}: {message}")
    assert "\n" not in str(err.value)


def test_unreadable_files_raise_label_errors(tmp_path):
    with pytest.raises(LabelError, match=r"missing\.csv: cannot read hand labels"):
        read_labels(tmp_path / "missing.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,themes\nCaf\xe9,moe\n".encode("latin-1"))
    with pytest.raises(LabelError, match=r"latin1\.csv: cannot read hand labels"):
        read_labels(path)
