#!/usr/bin/env python3
"""An independent reference of fedreport's change-point detection, for checking its unit tests.

Not used by fedreport or its tests at run time: the expected indices and figures in
Tests/FedReportsTests/EDivisiveTests.swift were worked out by hand and checked with this script.
It follows the same specification with numpy and scipy instead of Swift:

- Q-hat of Matteson & James (2014), alpha = 1, computed by brute force from its definition;
- the candidate split of an interval is its argmax, with at least MIN_SEGMENT points on each side;
- a candidate is kept when scipy.stats.ttest_ind (pooled variance, two-sided) between the points
  before and after it, bounded by the interval, gives p < the pass's threshold; then both halves
  are split again;
- windows of WINDOW points overlapping by half (Hunter, arXiv 2301.03034, section 4);
- a first pass at 10 * p_max, then the weakest change point is dropped until every one left has
  p < p_max and a relative change above the threshold, each tested against its neighbours.

Usage: python3 scripts/trend-reference.py  (prints the results for the unit tests' series)
"""
import numpy as np
from scipy import stats

WINDOW = 50
MIN_SEGMENT = 5
P_MAX = 0.001
THRESHOLD = 0.05


def qhat(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    m, n = len(x), len(y)
    between = np.abs(x[:, None] - y[None, :]).sum() * 2 / (m * n)
    within_x = np.abs(x[:, None] - x[None, :]).sum() / 2 / (m * (m - 1) / 2)
    within_y = np.abs(y[:, None] - y[None, :]).sum() / 2 / (n * (n - 1) / 2)
    return m * n / (m + n) * (between - within_x - within_y)


def ttest(left, right):
    if len(left) + len(right) <= 2:
        return 1.0
    left = np.asarray(left, float)
    right = np.asarray(right, float)
    if np.var(left) == 0 and np.var(right) == 0:
        return 1.0 if left.mean() == right.mean() else 0.0
    return float(stats.ttest_ind(left, right, equal_var=True).pvalue)


def bisect(series, start, end, p, out):
    best, best_q = None, None
    for tau in range(start + MIN_SEGMENT, end - MIN_SEGMENT + 1):
        q = qhat(series[start:tau], series[tau:end])
        if best_q is None or q > best_q:
            best, best_q = tau, q
    if best is None:
        return
    if ttest(series[start:best], series[best:end]) >= p:
        return
    out.append(best)
    bisect(series, start, best, p, out)
    bisect(series, best, end, p, out)


def split(series, p):
    found = set()
    start = 0
    while True:
        end = min(start + WINDOW, len(series))
        new = []
        bisect(series, start, end, p, new)
        found.update(new)
        if end == len(series):
            break
        start = max([start + WINDOW // 2] + new)
    return sorted(found)


def describe(series, points):
    bounds = [0] + points + [len(series)]
    out = []
    for k, i in enumerate(points):
        left = series[bounds[k]:i]
        right = series[i:bounds[k + 2]]
        before, after = float(np.mean(left)), float(np.mean(right))
        out.append((i, ttest(left, right), before, after, after / before - 1))
    return out


def change_points(series):
    first = P_MAX * 10 if P_MAX < 0.05 else P_MAX
    points = split(series, first)
    while points:
        described = describe(series, points)
        weakest = max(described, key=lambda d: d[1])
        if weakest[1] < P_MAX:
            weakest = min(described, key=lambda d: abs(d[4]))
            if abs(weakest[4]) > THRESHOLD:
                return described
        points.remove(weakest[0])
    return []


PATTERN = [1, -1, 0.5, -0.5, 0]


def wobble(level, n, offset=0):
    return [level + PATTERN[(i + offset) % 5] for i in range(n)]


SERIES = {
    "clean step": wobble(100, 10) + wobble(120, 10, 10),
    "ramp": [100 + 2 * i for i in range(30)],
    "noise": [100 + PATTERN[i % 5] * 3 + ((i * 7) % 11 - 5) * 0.6 for i in range(30)],
    "spike": wobble(100, 10) + [300] + wobble(100, 9, 11),
    "two steps": wobble(100, 10) + wobble(120, 10, 10) + wobble(90, 10, 20),
    "long step": wobble(100, 80) + wobble(110, 40, 80),
}

if __name__ == "__main__":
    for name, series in SERIES.items():
        print(f"{name}: {len(series)} points")
        start, end = 0, min(WINDOW, len(series))
        qs = [(tau, qhat(series[start:tau], series[tau:end])) for tau in range(start + MIN_SEGMENT, end - MIN_SEGMENT + 1)]
        tau, q = max(qs, key=lambda t: t[1])
        print(f"  first split of [0, {end}): tau {tau}, qhat {q:.6g}, p {ttest(series[:tau], series[tau:end]):.6g}")
        print(f"  first pass: {split(series, P_MAX * 10)}")
        for i, p, before, after, rel in change_points(series):
            print(f"  change point at {i}: p {p:.6g}, mean {before:.6g} -> {after:.6g} ({rel * 100:+.4f} %)")
