import subprocess
import sys

import numpy as np

from papertopics.jit import UMAP_KERNELS, cache_umap_kernels, cached_kernels
from papertopics.topics import umap_class

_PLAIN_UMAP = """
import sys
import numpy as np
from umap import UMAP
X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
out = UMAP(n_components=2, n_neighbors=8, metric="cosine", random_state=3).fit_transform(X)
np.save(sys.argv[1], out)
"""


def test_umap_kernels_are_cached_and_shared_by_the_modules_that_import_them():
    UMAP = umap_class()
    assert cache_umap_kernels() == 0  # idempotent: umap_class already swapped them
    import umap.umap_
    import umap.utils

    for module_name, name in UMAP_KERNELS:
        module = sys.modules[module_name]
        assert getattr(module, name) is cached_kernels()[module_name, name]
        assert getattr(module, name).py_func.__module__ == module_name
    assert umap.umap_.fast_knn_indices is umap.utils.fast_knn_indices
    assert UMAP.__module__.startswith("umap")


def test_cached_kernels_give_the_same_layout_as_plain_umap(tmp_path):
    plain = tmp_path / "plain.npy"
    subprocess.run([sys.executable, "-c", _PLAIN_UMAP, str(plain)], check=True)
    X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    ours = umap_class()(n_components=2, n_neighbors=8, metric="cosine", random_state=3)
    np.testing.assert_array_equal(ours.fit_transform(X), np.load(plain))
