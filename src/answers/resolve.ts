import { ignoredAnswers, inconsistency } from './consistency.js';
import { layerFromNameFlags, layerFromSetFlags, mergeLayers, type AnswerLayer, type MergedAnswers } from './layers.js';
import { loadPreset, type Preset } from './presets.js';
import { parseSavedAnswers, type SavedAnswersLocation } from './saved.js';

/** Everything a run was told, before any question: the sources of the answers. */
export interface AnswerInputs {
  /** `--set key=value` flags, in order. */
  set?: readonly string[];
  /** `--preset NAME|PATH`. */
  preset?: string;
  release?: string;
  namespace?: string;
  /** The data of the ConfigMap an earlier successful run saved (read from the cluster by the caller). */
  savedAnswers?: { data: Readonly<Record<string, string>>; location: SavedAnswersLocation };
  /** Where a relative preset path is resolved from. */
  cwd?: string;
}

/** The answer sources among the command's flags. */
export function answerInputsFromFlags(
  flags: { set: readonly string[]; preset?: string | undefined; release?: string | undefined; namespace?: string | undefined },
  cwd: string,
): AnswerInputs {
  return {
    set: flags.set,
    ...(flags.preset === undefined ? {} : { preset: flags.preset }),
    ...(flags.release === undefined ? {} : { release: flags.release }),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    cwd,
  };
}

export interface ResolvedAnswers extends MergedAnswers {
  preset?: Preset;
  /** Keys the preset needs someone to answer (checked with the other required answers). */
  presetRequired: readonly string[];
  /** Answers given but irrelevant to the others (e.g. a database host with the file backend). */
  ignored: string[];
  clusterUid?: string;
}

/**
 * Merges the sources in their order of precedence: `--set` (and `--release`/`--namespace`) > `--preset`
 * > the earlier run > the schema's defaults. Throws a UsageError naming the source of the first bad input.
 */
export function resolveAnswers(inputs: AnswerInputs): ResolvedAnswers {
  const sets = layerFromSetFlags(inputs.set ?? []);
  const names = layerFromNameFlags({ release: inputs.release, namespace: inputs.namespace }, sets);
  const preset = inputs.preset === undefined ? undefined : loadPreset(inputs.preset, inputs.cwd);
  const saved = inputs.savedAnswers ? parseSavedAnswers(inputs.savedAnswers.data, inputs.savedAnswers.location) : undefined;
  const layers: AnswerLayer[] = [names, sets, preset?.layer, saved?.layer].filter((layer) => layer !== undefined);
  const merged = mergeLayers(layers);
  const error = inconsistency(merged.answers, merged.origins);
  if (error) throw error;
  return {
    ...merged,
    ...(preset ? { preset } : {}),
    presetRequired: preset?.required ?? [],
    ignored: ignoredAnswers(merged.answers, merged.origins),
    ...(saved?.clusterUid ? { clusterUid: saved.clusterUid } : {}),
  };
}
