"""The Python baseline for benches/render.rs: the seed tooling's way of rendering a Job.

python3 python_render.py TEMPLATES_DIR CONTEXT_JSON N  ->  prints two figures, manifests per
second with the templates parsed for each manifest, then with the templates parsed once, then
`libyaml` or `pure-python`: PyYAML's C loader and dumper (CSafeLoader, CSafeDumper) when PyYAML
was built with libyaml, as the fastest Python setup would use, else its pure-Python ones.
Parses pod.yaml and job.yaml with PyYAML, renders pod then Job with json-e, dumps YAML: the same
steps etl takes for one `etl render` (etl also checks the result against the Kubernetes types).
"""

import json
import sys
import time

import jsone
import yaml

try:
    from yaml import CSafeDumper as Dumper
    from yaml import CSafeLoader as Loader

    BACKEND = "libyaml"
except ImportError:
    from yaml import SafeDumper as Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

    BACKEND = "pure-python"


def load(text: str):
    return yaml.load(text, Loader=Loader)


def dump(obj) -> str:
    return yaml.dump(obj, Dumper=Dumper)


def main() -> None:
    templates, context_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(context_path) as f:
        context = json.load(f)
    with open(f"{templates}/pod.yaml") as f:
        pod_text = f.read()
    with open(f"{templates}/job.yaml") as f:
        job_text = f.read()
    start = time.perf_counter()
    for _ in range(n):
        pod = jsone.render(load(pod_text), context)
        job = jsone.render(load(job_text), dict(context, pod=pod))
        dump(job)
    cold = n / (time.perf_counter() - start)
    pod_t, job_t = load(pod_text), load(job_text)
    start = time.perf_counter()
    for _ in range(n):
        pod = jsone.render(pod_t, context)
        job = jsone.render(job_t, dict(context, pod=pod))
        dump(job)
    warm = n / (time.perf_counter() - start)
    print(cold, warm, BACKEND)


if __name__ == "__main__":
    main()
