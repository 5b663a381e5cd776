// The test cluster helpers (test/helpers/kwok/*.ts) for plain Node scripts: their types stripped into .cache/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function loadKwokCluster() {
  const { default: ts } = await import('typescript');
  const out = join(root, '.cache', 'kwok-helpers');
  for (const name of ['tools', 'kwok/cluster', 'kwok/stages']) {
    const source = readFileSync(join(root, 'test', 'helpers', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    mkdirSync(dirname(join(out, `${name}.js`)), { recursive: true });
    writeFileSync(join(out, `${name}.js`), outputText);
  }
  return import(pathToFileURL(join(out, 'kwok', 'cluster.js')).href);
}
