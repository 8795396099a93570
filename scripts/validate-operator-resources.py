#!/usr/bin/env python3
"""Validates the Prometheus Operator resources in a YAML file against monitoring.coreos.com/v1.

The schemas come from cloudcoil-models-prometheus-operator (PyPI, pinned in the Makefile): models
generated from the operator's CRDs. Each ServiceMonitor and Prometheus is validated strictly (no
type coercion) and dumped back; a resource that does not come back as it was has a field the
schema does not know. Prints one line per resource and exits 1 on the first that fails.
Usage: validate-operator-resources.py FILE
"""
import sys

import yaml
from cloudcoil.models.prometheus_operator import v1

KINDS = {"ServiceMonitor": v1.ServiceMonitor, "Prometheus": v1.Prometheus}


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    checked = 0
    for doc in docs:
        model = KINDS.get(doc.get("kind"))
        if model is None or doc.get("apiVersion") != "monitoring.coreos.com/v1":
            continue
        name = f"{doc['kind']}/{doc.get('metadata', {}).get('name', '?')}"
        try:
            back = model.model_validate(doc, strict=True).model_dump(by_alias=True, exclude_unset=True, mode="json")
        except Exception as e:  # the model's own message names the field
            print(f"FAIL {name}: {e}")
            return 1
        if back != doc:
            print(f"FAIL {name}: fields the monitoring.coreos.com/v1 schema does not know were dropped")
            return 1
        print(f"OK {name}")
        checked += 1
    if checked == 0:
        print("FAIL no monitoring.coreos.com/v1 ServiceMonitor or Prometheus in the file")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
