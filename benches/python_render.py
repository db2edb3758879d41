"""The Python baseline for benches/render.rs: the seed tooling's way of rendering a Job.

python3 python_render.py TEMPLATES_DIR CONTEXT_JSON N  ->  prints two figures, manifests per
second with the templates parsed for each manifest, then with the templates parsed once.
Parses pod.yaml and job.yaml with PyYAML, renders pod then Job with json-e, dumps YAML: the same
steps etl takes for one `etl render` (etl also checks the result against the Kubernetes types).
"""

import json
import sys
import time

import jsone
import yaml


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
        pod = jsone.render(yaml.safe_load(pod_text), context)
        job = jsone.render(yaml.safe_load(job_text), dict(context, pod=pod))
        yaml.safe_dump(job)
    cold = n / (time.perf_counter() - start)
    pod_t, job_t = yaml.safe_load(pod_text), yaml.safe_load(job_text)
    start = time.perf_counter()
    for _ in range(n):
        pod = jsone.render(pod_t, context)
        job = jsone.render(job_t, dict(context, pod=pod))
        yaml.safe_dump(job)
    warm = n / (time.perf_counter() - start)
    print(cold, warm)


if __name__ == "__main__":
    main()
