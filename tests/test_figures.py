"""Figure helpers."""

import numpy as np

from papertopics.figures import label_anchor


def test_label_anchor_sits_on_the_larger_part_of_a_split_group_not_between_them():
    rng = np.random.default_rng(0)
    small = rng.normal(0.0, 0.3, (10, 2))
    large = rng.normal(8.0, 0.3, (11, 2))
    points = np.vstack([small, large])
    bounds = (-1.0, 9.0, -1.0, 9.0)
    x, y = label_anchor(points[:, 0], points[:, 1], bounds)
    assert (x, y) in {tuple(p) for p in large}
    # the coordinate-wise median of two equal halves is empty space between them
    halves = points[:-1]
    assert 2.0 < np.median(halves[:, 0]) < 6.0
    x, y = label_anchor(halves[:, 0], halves[:, 1], bounds)
    assert (x, y) in {tuple(p) for p in halves}


def test_label_anchor_of_one_point_or_a_flat_map():
    assert label_anchor([3.0], [4.0], (0.0, 10.0, 0.0, 10.0)) == (3.0, 4.0)
    assert label_anchor([1.0, 1.0], [2.0, 2.0], (1.0, 1.0, 2.0, 2.0)) == (1.0, 2.0)
