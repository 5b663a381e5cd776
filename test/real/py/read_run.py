"""A real MLflow client reading back a run that an earlier server logged (after the upgrade). Prints one JSON
object on its last line, in the shape of exercise_tracking.py.

usage: read_run.py TRACKING_URI EXPERIMENT_NAME RUN_ID
"""
import json
import sys
import tempfile

from mlflow import MlflowClient

uri, experiment_name, run_id = sys.argv[1], sys.argv[2], sys.argv[3]
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(experiment_name)
fetched = client.get_run(run_id)
history = client.get_metric_history(run_id, "loss")
listed = client.list_artifacts(run_id, "docs")
downloaded = client.download_artifacts(run_id, "docs/notes.txt", tempfile.mkdtemp())
with open(downloaded, encoding="utf-8") as handle:
    downloaded_text = handle.read()

print(json.dumps({
    "experiment_id": experiment.experiment_id if experiment else None,
    "experiment_name": experiment.name if experiment else None,
    "run_id": run_id,
    "status": fetched.info.status,
    "params": fetched.data.params,
    "metrics": fetched.data.metrics,
    "history": [[m.step, m.value] for m in sorted(history, key=lambda m: m.step)],
    "artifacts": [a.path for a in listed],
    "artifact_text": downloaded_text,
}))
