"""A real MLflow client against a running tracking server: create an experiment, log a run with params,
metrics and an artifact, then read everything back. Prints one JSON object on its last line.

usage: exercise_tracking.py TRACKING_URI EXPERIMENT_NAME ARTIFACT_TEXT
"""
import json
import os
import sys
import tempfile

from mlflow import MlflowClient

uri, experiment_name, artifact_text = sys.argv[1], sys.argv[2], sys.argv[3]
client = MlflowClient(tracking_uri=uri)

experiment_id = client.create_experiment(experiment_name)
run = client.create_run(experiment_id, run_name="real-server-test", tags={"suite": "test/real"})
run_id = run.info.run_id
client.log_param(run_id, "alpha", "0.5")
client.log_param(run_id, "optimizer", "adam")
for step, value in enumerate([0.9, 0.5, 0.25]):
    client.log_metric(run_id, "loss", value, step=step)

work = tempfile.mkdtemp()
source = os.path.join(work, "notes.txt")
with open(source, "w", encoding="utf-8") as handle:
    handle.write(artifact_text)
client.log_artifact(run_id, source, artifact_path="docs")
client.set_terminated(run_id)

# Read it all back through the server.
fetched = client.get_run(run_id)
history = client.get_metric_history(run_id, "loss")
listed = client.list_artifacts(run_id, "docs")
download_dir = tempfile.mkdtemp()
downloaded = client.download_artifacts(run_id, "docs/notes.txt", download_dir)
with open(downloaded, encoding="utf-8") as handle:
    downloaded_text = handle.read()
experiment = client.get_experiment_by_name(experiment_name)

print(json.dumps({
    "experiment_id": experiment_id,
    "experiment_name": experiment.name if experiment else None,
    "artifact_location": experiment.artifact_location if experiment else None,
    "run_id": run_id,
    "status": fetched.info.status,
    "artifact_uri": fetched.info.artifact_uri,
    "params": fetched.data.params,
    "metrics": fetched.data.metrics,
    "history": [[m.step, m.value] for m in sorted(history, key=lambda m: m.step)],
    "artifacts": [a.path for a in listed],
    "artifact_text": downloaded_text,
}))
