"""Config validation against the JSON schema."""

import copy

import pytest

from papertopics.config import ConfigError, listing_files, validate_config


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
        "themes": {"definitions": [{"key": "a", "label": "A", "description": "a theme, ten+"}]}
    }
    validated = validate_config(minimal, schema, check_input=False)
    assert validated["topics"]["seed"] == 42
    assert validated["topics"]["umap"]["n_neighbors"] == 10
    assert validated["themes"]["definitions"][0]["keywords"] == []
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
            r"themes\.definitions\.0: 'description' is a required property",
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
    ],
)
def test_bad_config_gives_one_line_naming_the_key(config, schema, change, message):
    config = copy.deepcopy(config)
    change(config)
    with pytest.raises(ConfigError, match=message) as err:
        validate_config(config, schema, source="config.yaml", check_input=False)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("config.yaml: ")


def test_missing_or_empty_input_folder(config, schema, tmp_path):
    config["input"]["listings_dir"] = str(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="does not exist"):
        validate_config(config, schema)
    config["input"]["listings_dir"] = str(tmp_path)
    (tmp_path / "notes.md").write_text("not a listing")
    with pytest.raises(ConfigError, match="holds no listing"):
        validate_config(config, schema)


def test_listing_files_are_sorted_and_skip_hidden(tmp_path):
    for name in ("b.txt", "a.TXT", ".hidden.txt", "c.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in listing_files(tmp_path)] == ["a.TXT", "b.txt"]
