import { parseDocument, stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { layerFromDocument, type AnswerLayer } from './layers.js';
import type { Answers } from './schema.js';
import { installerLabels } from './labels.js';

/**
 * The answers of the last successful run, kept with the release in the cluster (so that any machine
 * reaching the cluster can rerun or upgrade): ConfigMap <release>-mlflow-install in the release's
 * namespace, with `answers.yaml` and `cluster-uid` (the kube-system namespace UID, to notice another
 * cluster) and `schema-version` (the MLflow version that last migrated the database). The answers hold no secret: passwords never are answers.
 */
export const savedAnswersKey = 'answers.yaml';
export const clusterUidKey = 'cluster-uid';
/** The MLflow version whose migrations the database last ran (a downgrade below it is refused). */
export const schemaVersionKey = 'schema-version';

/** The cluster identity of someone who may not read kube-system: the UID of the namespace the answers are in. */
export const namespaceIdentityPrefix = 'namespace:';

export function namespaceIdentity(namespaceUid: string): string {
  return `${namespaceIdentityPrefix}${namespaceUid}`;
}

export function savedAnswersName(release: string): string {
  return `${release}-mlflow-install`;
}

export interface SavedAnswersLocation {
  namespace: string;
  name: string;
}

export interface SavedAnswers {
  label: string;
  layer: AnswerLayer;
  clusterUid?: string;
}

export function savedAnswersLabel(where: SavedAnswersLocation): string {
  return `earlier run (ConfigMap ${where.namespace}/${where.name})`;
}

/** Parses and checks the ConfigMap's data like any other source; a bad answer names the ConfigMap and the key. */
export function parseSavedAnswers(data: Readonly<Record<string, string>>, where: SavedAnswersLocation): SavedAnswers {
  const label = savedAnswersLabel(where);
  const text = data[savedAnswersKey];
  if (text === undefined) throw new UsageError(`${label}: has no ${savedAnswersKey}; expected the answers an earlier run saved (delete the ConfigMap to start afresh)`);
  const document = parseDocument(text, { uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) throw new UsageError(`${label}: ${savedAnswersKey} is not valid YAML (${firstError.message.split('\n')[0]})`);
  const content: unknown = document.toJS() ?? {};
  const clusterUid = data[clusterUidKey];
  return { label, layer: layerFromDocument(content, label), ...(clusterUid ? { clusterUid } : {}) };
}

export function savedAnswersDocument(answers: Answers): string {
  return stringify(answers, { sortMapEntries: false });
}

/** What the install saves after success: the ConfigMap spec; the cluster UID is read at apply time. */
export interface SavedAnswersSpec {
  name: string;
  namespace: string;
  answersYaml: string;
  schemaVersion: string;
  keys: readonly string[];
}

export function savedAnswersSpec(answers: Answers): SavedAnswersSpec {
  return {
    name: savedAnswersName(answers.release),
    namespace: answers.namespace,
    answersYaml: savedAnswersDocument(answers),
    schemaVersion: answers.mlflow.version,
    keys: [savedAnswersKey, clusterUidKey, schemaVersionKey],
  };
}

export function savedAnswersConfigMap(spec: SavedAnswersSpec, clusterUid: string, release: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: installerLabels(release),
    },
    data: { [savedAnswersKey]: spec.answersYaml, [clusterUidKey]: clusterUid, [schemaVersionKey]: spec.schemaVersion },
  };
}
