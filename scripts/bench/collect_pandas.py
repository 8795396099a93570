#!/usr/bin/env python3
"""The collection fedreport does, written as a Python user would: prometheus-api-client + pandas.

For one cluster and window: the build timeline from cluster_version, every query of the query
set (rendered by fedbench), each series attributed to a component by the same ordered rules
(fedbench exports queries/components/ocp.yaml as JSON), summed per component and timestamp, and
the mean over the timestamps with data. Prints JSON {"cpu/<component>": mean, ...} on stdout.

Used by `fedbench run` (make bench) as the comparison for fedreport collect; equal results are
checked there.
"""
import argparse
import json
import re
import sys
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from prometheus_api_client import MetricRangeDataFrame, PrometheusConnect


def compile_rules(path):
    with open(path) as f:
        spec = json.load(f)
    rules = []
    for rule in spec["rules"]:
        matchers = []
        for m in rule["matchers"]:
            rx = re.compile(m["value"]) if m["kind"] in ("=~", "!~") else None
            matchers.append((m["name"], m["kind"], m["value"], rx))
        rules.append((rule["name"], matchers))
    return rules


def matches(matcher, labels):
    name, kind, value, rx = matcher
    v = labels.get(name, "")
    if v is None or (isinstance(v, float) and np.isnan(v)):
        v = ""
    if kind == "=":
        return v == value
    if kind == "!=":
        return v != value
    if kind == "=~":
        return rx.fullmatch(v) is not None
    return rx.fullmatch(v) is None


def classify(rules, labels):
    for name, matchers in rules:
        if all(matches(m, labels) for m in matchers):
            return name
    return "other"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--start", type=int, required=True, help="Unix seconds")
    ap.add_argument("--end", type=int, required=True, help="Unix seconds")
    ap.add_argument("--step", required=True, help="seconds")
    ap.add_argument("--queries", required=True, help="JSON file: [{name, resource, promql}], and build_query")
    ap.add_argument("--rules", required=True, help="JSON file: the component map's rules")
    args = ap.parse_args()

    with open(args.queries) as f:
        spec = json.load(f)
    rules = compile_rules(args.rules)
    prom = PrometheusConnect(url=args.url, disable_ssl=True, method="POST")
    start = datetime.fromtimestamp(args.start, tz=timezone.utc)
    end = datetime.fromtimestamp(args.end, tz=timezone.utc)

    # Build timeline: the timestamps with exactly one current version.
    builds = prom.custom_query_range(spec["build_query"], start_time=start, end_time=end, step=args.step)
    versions = MetricRangeDataFrame(builds)
    per_ts = versions.groupby(level=0)["version"].nunique()
    good = set(per_ts[per_ts == 1].index)

    replica_labels = ["prometheus_replica", "replica"]
    frames = []
    for q in spec["queries"]:
        result = prom.custom_query_range(q["promql"], start_time=start, end_time=end, step=args.step)
        if not result:
            continue
        df = MetricRangeDataFrame(result)
        df["value"] = df["value"].astype(float)
        df = df[np.isfinite(df["value"])]
        df = df[df.index.isin(good)]
        labels = [c for c in df.columns if c not in ("value", "__name__")]
        dedup = [c for c in labels if c not in replica_labels]
        df = df.reset_index().drop_duplicates(subset=["timestamp"] + dedup, keep="first")
        keys = df[labels].drop_duplicates()
        keys["component"] = [classify(rules, row) for row in keys.to_dict("records")]
        df = df.merge(keys, on=labels, how="left")
        df["resource"] = q["resource"]
        frames.append(df[["timestamp", "resource", "component", "value"]])

    data = pd.concat(frames, ignore_index=True)
    totals = data.groupby(["resource", "component", "timestamp"])["value"].sum()
    means = totals.groupby(level=[0, 1]).mean()
    json.dump({f"{r}/{c}": float(v) for (r, c), v in means.items()}, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
