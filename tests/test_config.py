"""Config validation against the JSON schema, also end to end through `snakemake -n`."""

import copy
import datetime as dt
import os
from pathlib import Path

import immutables
import pytest
import yaml
from helpers import snakemake

from papertopics.config import (
    ConfigError,
    listing_files,
    listing_fingerprint,
    listing_names,
    other_files,
    validate_config,
)


def walk(schema, path=""):
    """Every property schema with its dotted path."""
    for key, sub in schema.get("properties", {}).items():
        yield f"{path}{key}", sub
        yield from walk(sub, f"{path}{key}.")
        if "items" in sub:
            yield from walk(sub["items"], f"{path}{key}[].")


def test_every_key_has_type_and_description(schema):
    for path, sub in walk(schema):
        assert "description" in sub, path
        assert "type" in sub or "oneOf" in sub, path


def test_every_optional_key_has_a_default(schema):
    def check(node, path=""):
        required = set(node.get("required", []))
        for key, sub in node.get("properties", {}).items():
            if key not in required:
                assert "default" in sub, f"{path}{key}"
            check(sub, f"{path}{key}.")
            if "items" in sub:
                check(sub["items"], f"{path}{key}[].")

    check(schema)


def test_shipped_config_is_valid(config, schema, root, monkeypatch):
    monkeypatch.chdir(root)
    validated = validate_config(config, schema)
    assert [t["key"] for t in validated["themes"]["definitions"]] == [
        "federated_learning",
        "distillation",
        "moe",
        "continual_learning",
        "tool_use",
    ]


def test_defaults_are_filled(schema):
    minimal = {
        "themes": {
            "definitions": [
                {"key": "a", "label": "A", "description": "a theme, ten+", "keywords": ["a"]}
            ]
        }
    }
    validated = validate_config(minimal, schema, check_input=False)
    assert validated["topics"]["seed"] == 42
    assert validated["topics"]["umap"]["n_neighbors"] == 10
    assert validated["themes"]["definitions"][0]["exclude"] == []
    assert validated["input"]["listings_dir"] == "data/seeds"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c["topics"].update(colour="red"),
            r"topics: unknown key .colour.; known keys: .*hdbscan",
        ),
        (
            lambda c: c["topics"]["umap"].update(n_neighbors="many"),
            r"topics\.umap\.n_neighbors: 'many' is not of type 'integer'",
        ),
        (
            lambda c: c["themes"]["definitions"][0].pop("description"),
            r"themes\.definitions\[0\] \(federated_learning\): 'description' is a required",
        ),
        (
            lambda c: c["themes"]["scoring"].update(threshold=1.5),
            r"themes\.scoring\.threshold: 1\.5 is greater than the maximum",
        ),
        (
            lambda c: c["themes"]["definitions"].append(
                copy.deepcopy(c["themes"]["definitions"][0])
            ),
            r"duplicate theme key 'federated_learning'",
        ),
        (
            lambda c: c["themes"]["definitions"].append(
                {**c["themes"]["definitions"][4], "key": "agents", "label": "tool-use"}
            ),
            r"themes\.definitions: themes 'tool_use' and 'agents' share the name 'tool-use'",
        ),
        (
            lambda c: c["themes"]["definitions"][2].update(keywords=[]),
            r"themes\.definitions\[2\] \(moe\): no keywords; a theme needs at least one",
        ),
        (
            lambda c: c["themes"]["definitions"][2]["keywords"].append("  "),
            r"themes\.definitions\[2\] \(moe\)\.keywords\[6\]: '  ' is blank",
        ),
        (
            lambda c: c["themes"]["definitions"][2]["exclude"].append("expert *"),
            r"themes\.definitions\[2\] \(moe\)\.exclude\[\d+\]: 'expert \*': a '\*' stands "
            r"for words between two words of a term",
        ),
        (
            lambda c: c["themes"]["definitions"][2].pop("keywords"),
            r"themes\.definitions\[2\] \(moe\): no keywords",
        ),
        (
            lambda c: c["themes"]["scoring"].update(review_threshold=0.9),
            r"themes\.scoring\.review_threshold: 0\.9 is above the threshold \(0\.5\)",
        ),
        (
            lambda c: c["topics"]["hdbscan"].update(min_cluster_size="big"),
            r"topics\.hdbscan\.min_cluster_size: 'big' is not one of: integer >= 2, 'auto'",
        ),
        (
            lambda c: c["input"].update(strict="yes"),
            r"input\.strict: 'yes' is not of type 'boolean'",
        ),
    ],
)
def test_bad_config_gives_one_line_naming_the_key(config, schema, change, message):
    config = copy.deepcopy(config)
    change(config)
    with pytest.raises(ConfigError, match=message) as err:
        validate_config(config, schema, source="config.yaml", check_input=False)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("config.yaml: ")


def test_an_error_in_a_command_line_value_names_the_command_line(config, schema):
    """Snakemake's --config reads values inside a mapping as text (snakemake issue 2099)."""
    overrides = {"topics": {"seed": "7"}, "input": {"strict": "yes"}}
    config = copy.deepcopy(config)
    config["topics"]["seed"], config["input"]["strict"] = "7", "yes"
    config["themes"]["scoring"]["threshold"] = 2
    with pytest.raises(ConfigError) as err:
        validate_config(
            config, schema, source="config.yaml", check_input=False, overrides=overrides
        )
    assert str(err.value) == (
        "--config: input.strict: 'yes' is not of type 'boolean' (--config passes the values "
        "inside {...} as text: put them in a YAML file and give it with --configfile)"
    )
    # an unknown key of the file, beside a value given on the command line, is the file's
    config["topics"]["colour"] = "red"
    for given in (immutables.Map(), {"topics": {"seed": 7}}):  # Snakemake's empty --config
        with pytest.raises(ConfigError, match=r"^config\.yaml: topics: unknown key 'colour'"):
            validate_config(
                config, schema, source="config.yaml", check_input=False, overrides=given
            )
    del config["topics"]["colour"]
    # a wrong value of the file is still the file's, whatever else was given
    config["topics"]["seed"], config["input"]["strict"] = 7, False
    with pytest.raises(ConfigError, match=r"^config\.yaml: themes\.scoring\.threshold: 2 is"):
        validate_config(
            config, schema, source="config.yaml", check_input=False, overrides={"topics": {}}
        )


def test_missing_or_empty_input_folder(config, schema, tmp_path):
    config["input"]["listings_dir"] = str(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="does not exist"):
        validate_config(config, schema)
    config["input"]["listings_dir"] = str(tmp_path)
    (tmp_path / "notes.md").write_text("not a listing")
    with pytest.raises(ConfigError, match="holds no listing"):
        validate_config(config, schema)


def test_input_folder_that_is_a_file(config, schema, tmp_path):
    config["input"]["listings_dir"] = str(tmp_path / "papers.txt")
    (tmp_path / "papers.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"input\.listings_dir: .*papers\.txt' is not a folder"):
        validate_config(config, schema)


def test_listing_files_are_sorted_and_skip_hidden(tmp_path):
    names = ("b.txt", "a.TXT", ".hidden.txt", "c.md", "d.jsonl", "e.csv", "f.bib", "g.atom")
    for name in (*names, "~$e.csv", "h.xml", "i.tsv", "j.ndjson", "k.pdf"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in listing_files(tmp_path)] == [
        "a.TXT",
        "b.txt",
        "d.jsonl",
        "e.csv",
        "f.bib",
        "g.atom",
        "h.xml",
        "i.tsv",
        "j.ndjson",
    ]


def test_listing_names_are_stems_unless_two_files_share_one():
    files = [Path("in/day1.txt"), Path("in/day1.bib"), Path("in/day2.csv"), Path("in/Day2.csv")]
    assert listing_names(files) == {
        "Day2": Path("in/Day2.csv"),
        "day1.bib": Path("in/day1.bib"),
        "day1.txt": Path("in/day1.txt"),
        "day2": Path("in/day2.csv"),
    }
    assert listing_names(reversed(files)) == listing_names(files)


# End to end: a broken config stops `snakemake -n` with one line naming the file and the key.


def theme_without_description(config):
    del config["themes"]["definitions"][1]["description"]


def set_key(path, value):
    def change(config):
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_key("topics.colour", "red"),
            "config.yaml: topics: unknown key 'colour'; known keys: ",
        ),
        (
            set_key("topics.umap.n_neighbors", "ten"),
            "config.yaml: topics.umap.n_neighbors: 'ten' is not of type 'integer'",
        ),
        (
            theme_without_description,
            "config.yaml: themes.definitions[1] (distillation): 'description' is a required "
            "property",
        ),
        (
            set_key("themes.scoring.threshold", 2),
            "config.yaml: themes.scoring.threshold: 2 is greater than the maximum of 1",
        ),
        (
            set_key("input.listings_dir", "nowhere"),
            "config.yaml: input.listings_dir: folder 'nowhere' does not exist",
        ),
        (
            set_key("input.listings_dir", "empty"),
            "config.yaml: input.listings_dir: folder 'empty' holds no listing (*.txt, *.jsonl",
        ),
        (
            set_key("evaluation.labels", "labels.csv"),
            "labels.csv: line 3: unknown theme 'distilation' (themes: federated_learning, "
            "distillation, moe, continual_learning, tool_use) (evaluation.labels: mend the file, "
            "or null to turn the evaluation off)",
        ),
        (
            set_key("evaluation.labels", "missing.csv"),
            "missing.csv: cannot read hand labels ([Errno 2] No such file or directory:",
        ),
    ],
)
def test_snakemake_stops_before_any_job_with_one_line(config, tmp_path, change, message):
    (tmp_path / "listings").mkdir()
    (tmp_path / "listings" / "day.txt").write_text("a listing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("not a listing")
    (tmp_path / "labels.csv").write_text("title,themes\nA paper,moe\nAnother paper,distilation\n")
    config["input"]["listings_dir"] = "listings"
    change(config)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(tmp_path, "-n", timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"papertopics: {message}")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / ".snakemake").exists()


def test_snakemake_names_a_bad_command_line_value(root, tmp_path):
    (tmp_path / "listings").mkdir()
    (tmp_path / "listings" / "day.txt").write_text("a listing")
    given = ['topics={"seed": 7}', 'input={"listings_dir": "listings"}']
    result = snakemake(
        tmp_path, "-n", "--configfile", str(root / "config.yaml"), "--config", *given, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "papertopics: --config: topics.seed: '7' is not of type 'integer' (--config passes"
    )


def test_listing_names_never_hold_the_sources_separator_or_wildcard_braces(tmp_path):
    files = [tmp_path / "a;b.txt", tmp_path / "c.txt", tmp_path / "day {1}.txt"]
    assert list(listing_names(files)) == ["a_b", "c", "day _1_"]


def test_listing_names_that_coincide_once_cleaned_are_told_apart(tmp_path):
    files = [tmp_path / "a_b.txt", tmp_path / "a;b.txt", tmp_path / "c.txt"]
    names = listing_names(files)
    assert names == {"a_b~1": tmp_path / "a;b.txt", "a_b~2": tmp_path / "a_b.txt", "c": files[2]}
    assert listing_names(reversed(files)) == names


def test_other_files_of_the_listings_folder_are_named(tmp_path):
    for name in ("day1.txt", "notes.md", "refs.ris", ".hidden", "~$lock.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    rows = other_files(tmp_path)
    assert [row["file"] for row in rows] == ["notes.md", "refs.ris", "sub"]
    assert {row["line"] for row in rows} == {0}
    assert rows[0]["message"].startswith("not a listing file (listings are .txt, .jsonl")
    assert rows[2]["message"] == (
        "not a listing file (a folder: listings in subfolders are not read); not read"
    )


def test_listing_fingerprint_changes_with_any_other_copy_older_ones_too(tmp_path):
    path = tmp_path / "day1.txt"
    noon = dt.datetime(2025, 3, 11, 12).timestamp()
    path.write_text("Mar 11\n\nA title\n\nAn abstract.\n")
    os.utime(path, (noon, noon))
    first = listing_fingerprint(path)
    assert listing_fingerprint(path) == first  # the same file: the same listing
    path.write_text("Mar 11\n\nA title\n\nAn edited abstract.\n")
    os.utime(path, (noon - 86400, noon - 86400))  # an edited copy, older than the first
    assert listing_fingerprint(path) != first
    second = listing_fingerprint(path)
    path.write_text("Mar 11\n\nA title\n\nAn edited abstrakt.\n")  # one letter: the same size
    os.utime(path, (noon - 2 * 86400, noon - 2 * 86400))  # copied with its older time (cp -p)
    assert listing_fingerprint(path) not in {first, second}
    assert listing_fingerprint(tmp_path / "missing.txt") == "unreadable"


def test_files_that_cannot_be_listings_are_named_not_read(tmp_path, monkeypatch):
    """Braces would be read as a wildcard in the parse job's input, an unreadable file would
    stop Snakemake while it builds the jobs, and a broken link or a pipe has nothing to read."""
    for name in ("day1.txt", "day {2}.txt", "locked.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    readable = os.access
    monkeypatch.setattr(
        "papertopics.config.os.access",
        lambda path, mode: Path(path).name != "locked.txt" and readable(path, mode),
    )
    assert listing_files(tmp_path) == [tmp_path / "day1.txt"]
    why = {row["file"]: row["message"] for row in other_files(tmp_path)}
    assert why == {
        "day {2}.txt": "file skipped: braces in its name, which Snakemake reads as a wildcard: "
        "rename it",
        "gone.txt": "file skipped: a link to a file that does not exist",
        "locked.txt": "file skipped: no permission to read it",
        "pipe.txt": "file skipped: a pipe, socket or device, not a regular file",
    }


def test_a_listings_folder_that_cannot_be_read(config, schema, tmp_path, monkeypatch):
    config["input"]["listings_dir"] = str(tmp_path)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(ConfigError) as err:
        validate_config(config, schema, source="config.yaml")
    assert str(err.value) == (
        f"config.yaml: input.listings_dir: folder {str(tmp_path)!r} cannot be read "
        "(Permission denied)"
    )


def test_a_review_threshold_equal_to_the_threshold_is_valid(config, schema):
    config = copy.deepcopy(config)
    config["themes"]["scoring"].update(threshold=0.5, review_threshold=0.5)
    validated = validate_config(config, schema, source="config.yaml", check_input=False)
    assert validated["themes"]["scoring"]["review_threshold"] == 0.5


def test_a_reversed_ngram_range_names_the_key(config, schema):
    config = copy.deepcopy(config)
    config["terms"]["ngram_range"] = [2, 1]
    with pytest.raises(ConfigError) as err:
        validate_config(config, schema, source="config.yaml", check_input=False)
    assert str(err.value) == "config.yaml: terms.ngram_range: [2, 1] is not [smallest, largest]"
    config["terms"]["ngram_range"] = [2, 2]  # a single length is fine
    validate_config(config, schema, source="config.yaml", check_input=False)
