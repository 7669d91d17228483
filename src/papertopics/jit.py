"""Numba's on-disk cache for the UMAP kernels that umap-learn compiles in every process.

umap-learn compiles a few numba kernels the first time a process fits UMAP, without
numba's ``cache=True``: on this project's machines about 10 s per process (brute-force
k-nearest neighbours for fewer than 4,096 points, the fuzzy set's smoothing and
membership strengths, and about 1 s for the layout's epoch), more than the fits
themselves on a few hundred papers. Upstream proposed caching them (lmcinnes/umap pull
request 1257, not merged).
:func:`cache_umap_kernels` swaps each of these kernels for the same Python function
compiled with the same options plus ``cache=True``, so the compiled code is written next
to umap-learn's own numba cache (or numba's user cache folder, or ``NUMBA_CACHE_DIR``)
and loaded, not recompiled, by every later process. The arithmetic is unchanged.
"""

from __future__ import annotations

import importlib
import logging
import sys

log = logging.getLogger(__name__)

# (module, kernel): the kernels umap-learn compiles per process, by where they are defined.
UMAP_KERNELS = (
    ("umap.utils", "fast_knn_indices"),
    ("umap.umap_", "smooth_knn_dist"),
    ("umap.umap_", "compute_membership_strengths"),
    # the layout's epoch (about 1 s to compile); umap-learn looks it up by these names per fit
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch_parallel"),
)

# (module, kernel) -> the cached dispatcher that replaced it in this process.
_cached: dict[tuple[str, str], object] = {}


def cached_kernels() -> dict[tuple[str, str], object]:
    """The kernels swapped so far in this process: ``(module, kernel)`` -> dispatcher."""
    return dict(_cached)


def cache_umap_kernels() -> int:
    """Make umap-learn's per-process numba kernels use numba's on-disk cache.

    Idempotent; a kernel that is missing (another umap-learn version), not a numba
    dispatcher, or already swapped is left alone. Modules of umap-learn that imported a
    kernel by name get the cached one too.

    Returns:
        How many kernels were swapped by this call.
    """
    import numba
    from numba.core.registry import CPUDispatcher

    swapped = 0
    for module_name, name in UMAP_KERNELS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        kernel = getattr(module, name, None)
        if not isinstance(kernel, CPUDispatcher) or kernel is _cached.get((module_name, name)):
            continue
        options = {k: v for k, v in kernel.targetoptions.items() if k != "nopython"}
        cached = numba.njit(cache=True, locals=dict(kernel.locals), **options)(kernel.py_func)
        for other in list(sys.modules.values()):
            if (getattr(other, "__name__", "") or "").startswith("umap") and (
                getattr(other, name, None) is kernel
            ):
                setattr(other, name, cached)
        _cached[module_name, name] = cached
        swapped += 1
    if swapped:
        log.debug("umap kernels compiled with numba's cache: %d", swapped)
    return swapped
