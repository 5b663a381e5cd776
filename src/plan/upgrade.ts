import { parse } from 'yaml';
import { compareVersions, isSupportedMlflowVersion, mlflowVersionOfImage } from '../answers/mlflow-version.js';
import { where, type Origin } from '../answers/origin.js';
import { savedAnswersKey, savedAnswersLabel, schemaVersionKey } from '../answers/saved.js';
import { isDatabaseBackend, type Answers } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { chartFullname } from './chart.js';

/** What the cluster says of the MLflow versions of an existing release (pure; see releaseVersions). */
export interface ReleaseVersions {
  /** The version the release runs: its saved answers' mlflow.version, else its image tag, else its chart's appVersion. */
  running?: { version: string; from: string };
  /** The version that last migrated the database, as the install recorded it after success. */
  recorded?: { version: string; from: string };
}

/** The parts of a cluster reading the versions come from. */
export interface ReleaseVersionSources {
  releaseExists: boolean;
  currentValues?: Record<string, unknown>;
  deployedAppVersion?: string;
  savedAnswers?: { data: Record<string, string>; location: { namespace: string; name: string } };
}

/** The mlflow.version of the saved answers, when they hold a valid one. */
export function savedMlflowVersion(data: Readonly<Record<string, string>>): string | undefined {
  try {
    const document = parse(data[savedAnswersKey] ?? '') as { mlflow?: { version?: unknown } } | null;
    const version = document?.mlflow?.version;
    return typeof version === 'string' && isSupportedMlflowVersion(version) ? version : undefined;
  } catch {
    return undefined;
  }
}

function imageTagOf(values: Record<string, unknown> | undefined): string | undefined {
  const image = values?.image;
  if (image === null || typeof image !== 'object') return undefined;
  const tag = (image as Record<string, unknown>).tag;
  return typeof tag === 'string' ? tag : undefined;
}

export function releaseVersions(sources: ReleaseVersionSources): ReleaseVersions {
  if (!sources.releaseExists) return {};
  const saved = sources.savedAnswers;
  const label = saved ? savedAnswersLabel(saved.location) : '';
  const recordedText = saved?.data[schemaVersionKey];
  const recorded = recordedText && isSupportedMlflowVersion(recordedText) ? { version: recordedText, from: `${schemaVersionKey} in the ${label}` } : undefined;
  const fromAnswers = saved ? savedMlflowVersion(saved.data) : undefined;
  const tag = imageTagOf(sources.currentValues);
  const fromTag = tag === undefined ? undefined : mlflowVersionOfImage(tag);
  const running = fromAnswers
    ? { version: fromAnswers, from: `mlflow.version in the ${label}` }
    : fromTag
      ? { version: fromTag, from: `the release's image tag ${tag}` }
      : sources.deployedAppVersion && isSupportedMlflowVersion(sources.deployedAppVersion)
        ? { version: sources.deployedAppVersion, from: "the appVersion of the release's chart" }
        : undefined;
  return { ...(running ? { running } : {}), ...(recorded ? { recorded } : {}) };
}

/**
 * The version the database schema belongs to: the recorded one, or the running one (a server starts only on a
 * schema at its own head), whichever is newer.
 */
export function schemaOwner(versions: ReleaseVersions): { version: string; from: string } | undefined {
  const { running, recorded } = versions;
  if (!running) return recorded;
  if (!recorded) return running;
  return compareVersions(recorded.version, running.version) >= 0 ? recorded : running;
}

export type VersionChange =
  | { kind: 'none' }
  | { kind: 'upgrade'; from: string; to: string }
  | { kind: 'downgrade'; from: string; to: string; schema: { version: string; from: string } };

/** What installing `target` does to the release's MLflow version (pure). */
export function versionChange(target: string, versions: ReleaseVersions): VersionChange {
  const schema = schemaOwner(versions);
  const from = versions.running?.version ?? schema?.version;
  if (schema && compareVersions(target, schema.version) < 0) return { kind: 'downgrade', from: from ?? schema.version, to: target, schema };
  if (from === undefined || compareVersions(target, from) === 0) return { kind: 'none' };
  return { kind: 'upgrade', from, to: target };
}

/**
 * Any version below the schema's owner is refused, a patch release included: which versions share a schema head
 * is not known here, and a wrong guess is a server that refuses to start on the migrated database.
 */
export function downgradeRefusal(change: Extract<VersionChange, { kind: 'downgrade' }>, origin: Origin | undefined): UsageError {
  const given = origin ? where(origin, 'mlflow.version') : 'mlflow.version';
  return new UsageError(
    `${given}: MLflow ${change.to} is older than the database schema, which belongs to MLflow ${change.schema.version} (${change.schema.from}): ` +
      `${change.to} cannot serve it and there is no downgrade migration. Accepted: ${change.schema.version} or newer ` +
      `(--set mlflow.version=${change.schema.version} keeps it); to go back, restore the backup taken before the upgrade into a new database.`,
  );
}

/** Throws the refusal before anything changes; returns the change otherwise. */
export function checkVersionChange(answers: Answers, versions: ReleaseVersions, origins: ReadonlyMap<string, Origin>): VersionChange {
  const change = versionChange(answers.mlflow.version, versions);
  if (change.kind === 'downgrade') throw downgradeRefusal(change, origins.get('mlflow.version'));
  return change;
}

/** What the migration touches, in words: the tracking schema and, with a login, the users' database. */
export function migratedDatabases(answers: Answers): string {
  const login = answers.auth.enabled;
  if (isDatabaseBackend(answers.backend.type)) {
    const users = login ? ", then the login's user database (in the same database)" : '';
    return `the pre-upgrade Job ${chartFullname(answers.release)}-migrate runs \`mlflow db upgrade\` on the tracking database${users}, before the new server starts`;
  }
  const users = login ? "; the new server upgrades the login's user database (basic_auth.db) as it starts" : '';
  return `the server's init container runs \`mlflow db upgrade\` on the SQLite file on the volume${users}`;
}

/** The plan's lines for an upgrade: what runs, and what cannot be undone. */
export function upgradeConsequences(change: Extract<VersionChange, { kind: 'upgrade' }>, answers: Answers): string[] {
  const migrated = migratedDatabases(answers);
  return [
    `${migrated.charAt(0).toUpperCase()}${migrated.slice(1)}.`,
    `Afterwards MLflow ${change.from} cannot serve the migrated database: a \`helm rollback\` to its image will not start; going back means restoring a backup.`,
  ];
}
