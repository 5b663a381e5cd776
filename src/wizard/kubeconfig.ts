import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readBlockYaml } from './block-yaml.js';

/**
 * The kube context and API server the wizard will talk to, read from the kubeconfig files the way kubectl
 * reads them (no kubectl call: the welcome screen must not wait for a subprocess).
 */
export type KubeIdentity =
  | { found: true; context: string; server: string; namespace?: string; files: string[] }
  | { found: false; reason: string };

export interface KubeconfigInputs {
  /** --kubeconfig: only this file. */
  kubeconfig?: string;
  /** --context: this context instead of the current one. */
  context?: string;
  env: Readonly<Record<string, string | undefined>>;
  home?: string;
}

interface Named<T> {
  name: string;
  value: T;
}

interface KubeconfigFile {
  currentContext?: string;
  contexts: Named<{ cluster?: string; namespace?: string }>[];
  clusters: Named<{ server?: string }>[];
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function namedEntries<T>(list: unknown, inner: string, pick: (entry: Record<string, unknown>) => T): Named<T>[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const entry = record(item);
    const name = text(entry.name);
    return name === undefined ? [] : [{ name, value: pick(record(entry[inner])) }];
  });
}

/** kubectl writes plain block YAML, read without loading a YAML library; anything else goes to the full parser. */
async function parseKubeconfig(text: string): Promise<unknown> {
  const quick = readBlockYaml(text);
  if (quick !== undefined) return quick;
  const { parse } = await import('yaml');
  return parse(text) as unknown;
}

async function readKubeconfig(path: string): Promise<KubeconfigFile> {
  const document = record(await parseKubeconfig(readFileSync(path, 'utf8')));
  return {
    currentContext: text(document['current-context']),
    contexts: namedEntries(document.contexts, 'context', (context) => ({ cluster: text(context.cluster), namespace: text(context.namespace) })),
    clusters: namedEntries(document.clusters, 'cluster', (cluster) => ({ server: text(cluster.server) })),
  };
}

/** The files kubectl would read: --kubeconfig alone, else every path of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(inputs: KubeconfigInputs): { files: string[]; explicit: boolean } {
  if (inputs.kubeconfig) return { files: [inputs.kubeconfig], explicit: true };
  const fromEnv = (inputs.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length > 0) return { files: fromEnv, explicit: false };
  return { files: [join(inputs.home ?? inputs.env.HOME ?? homedir(), '.kube', 'config')], explicit: false };
}

/** Merged as kubectl merges: the first file that sets the current context, or names a context or cluster, wins. */
export async function readKubeIdentity(inputs: KubeconfigInputs): Promise<KubeIdentity> {
  const { files, explicit } = kubeconfigFiles(inputs);
  const present = files.filter((file) => existsSync(file));
  if (explicit && present.length === 0) return { found: false, reason: `the kubeconfig ${inputs.kubeconfig} does not exist` };
  if (present.length === 0) return { found: false, reason: `no kubeconfig found (looked at ${files.join(', ')})` };
  const configs: KubeconfigFile[] = [];
  for (const file of present) {
    try {
      configs.push(await readKubeconfig(file));
    } catch (error) {
      return { found: false, reason: `the kubeconfig ${file} cannot be read (${(error as Error).message.split('\n')[0]})` };
    }
  }
  const contextName = inputs.context ?? configs.find((config) => config.currentContext)?.currentContext;
  if (contextName === undefined) return { found: false, reason: `no current context is set in ${present.join(', ')} (kubectl config use-context NAME, or --context)` };
  const context = configs.flatMap((config) => config.contexts).find((entry) => entry.name === contextName);
  if (context === undefined) return { found: false, reason: `the context ${contextName} is not in ${present.join(', ')}` };
  const cluster = configs.flatMap((config) => config.clusters).find((entry) => entry.name === context.value.cluster);
  if (cluster?.value.server === undefined) {
    return { found: false, reason: `the context ${contextName} names the cluster ${context.value.cluster ?? '(none)'}, which has no server in ${present.join(', ')}` };
  }
  return {
    found: true,
    context: contextName,
    server: cluster.value.server,
    ...(context.value.namespace ? { namespace: context.value.namespace } : {}),
    files: present,
  };
}
