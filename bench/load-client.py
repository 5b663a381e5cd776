"""The load of bench/load.mjs: CLIENTS threads of the real MLflow client (MlflowClient), each creating a run,
logging METRICS metric points (log_metric, one request each, as a training loop does; or log_batch with
PER_REQUEST points per request), logging one ARTIFACT_BYTES artifact through the proxied artifact store
(mlflow-artifacts:) and ending the run. Every HTTP request the client sends is timed at the transport.

A login travels as MLflow's client reads it: MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.

Protocol on stdin/stdout: prints `ready` once imported and prepared, starts on a `go` line, prints `done`
when the last client finished, then reads every run back (untimed) and prints one JSON object.

usage: load-client.py TRACKING_URI EXPERIMENT_ID CLIENTS METRICS PER_REQUEST ARTIFACT_BYTES
"""
import json
import os
import sys
import tempfile
import threading
import time

import requests.adapters
from mlflow import MlflowClient
from mlflow.entities import Metric

uri, experiment_id = sys.argv[1], sys.argv[2]
clients, metrics, per_request, artifact_bytes = (int(arg) for arg in sys.argv[3:7])

timings = []  # (method, "artifact" or the endpoint's path, milliseconds, status)
timings_lock = threading.Lock()
original_send = requests.adapters.HTTPAdapter.send


def timed_send(self, request, *args, **kwargs):
    if not request.url.startswith(uri):  # the client's own lookups elsewhere are not the server's load
        return original_send(self, request, *args, **kwargs)
    started = time.perf_counter()
    status = 0
    try:
        response = original_send(self, request, *args, **kwargs)
        status = response.status_code
        return response
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        kind = "artifact" if "/mlflow-artifacts/" in request.url else request.path_url.split("?")[0]
        with timings_lock:
            timings.append((request.method, kind, elapsed, status))


requests.adapters.HTTPAdapter.send = timed_send

work = tempfile.mkdtemp()
payload = os.path.join(work, "model.bin")
with open(payload, "wb") as handle:
    handle.write(os.urandom(artifact_bytes))

client = MlflowClient(tracking_uri=uri)
run_ids = [None] * clients
failures = []


def attempt(call, *args, **kwargs):
    """A call again after a dropped connection (a server worker restarted), as MLflow's own retries would; each
    attempt is timed and counted, a dropped one as status 0. The fifth failure fails the client."""
    for tries in range(1, 6):
        try:
            return call(*args, **kwargs)
        except Exception:
            if tries == 5:
                raise
            time.sleep(1)


def one_client(index):
    try:
        run = attempt(client.create_run, experiment_id, run_name=f"load-{index}")
        run_id = run.info.run_id
        run_ids[index] = run_id
        start = int(time.time() * 1000)
        if per_request == 1:
            for step in range(metrics):
                attempt(client.log_metric, run_id, "loss", 1.0 / (step + 1), timestamp=start + step, step=step)
        else:
            for first in range(0, metrics, per_request):
                points = [Metric("loss", 1.0 / (step + 1), start + step, step) for step in range(first, min(metrics, first + per_request))]
                attempt(client.log_batch, run_id, metrics=points)
        attempt(client.log_artifact, run_id, payload)
        attempt(client.set_terminated, run_id)
    except Exception as error:  # reported with the figures: a failed client fails the bench
        failures.append(f"client {index}: {type(error).__name__}: {str(error)[:300]}")


print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit("load-client: expected `go` on stdin")
started = time.perf_counter()
threads = [threading.Thread(target=one_client, args=(index,)) for index in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
seconds = time.perf_counter() - started
load_timings = list(timings)
print("done", flush=True)

# Read back, untimed: every run finished, with all its points and the whole artifact.
problems = list(failures)
for index, run_id in enumerate(run_ids):
    if run_id is None:
        continue
    try:
        run = client.get_run(run_id)
        # Distinct steps: a retried log_metric whose first attempt did land logs its point twice.
        points = len({m.step for m in client.get_metric_history(run_id, "loss")})
        sizes = {a.path: a.file_size for a in client.list_artifacts(run_id)}
        if run.info.status != "FINISHED":
            problems.append(f"run {index}: status {run.info.status}")
        if points != metrics:
            problems.append(f"run {index}: {points} metric points, expected {metrics}")
        if sizes.get("model.bin") != artifact_bytes:
            problems.append(f"run {index}: artifact sizes {sizes}, expected model.bin of {artifact_bytes} bytes")
    except Exception as error:
        problems.append(f"run {index}: read back failed: {type(error).__name__}: {str(error)[:300]}")

print(json.dumps({"seconds": seconds, "timings": load_timings, "problems": problems}))
