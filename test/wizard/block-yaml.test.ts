import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readBlockYaml } from '../../src/wizard/block-yaml.js';

const kubectlStyle = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:6443
  name: kind-kind
- cluster:
    insecure-skip-tls-verify: true
    server: "https://10.0.0.1:443"   # a comment
  name: 'prod #1'
contexts:
- context:
    cluster: kind-kind
    namespace: ml
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - eks
      - get-token
      command: aws
      env: null
`;

describe('the block YAML reader for kubeconfig files', () => {
  it('reads what kubectl writes exactly as the yaml library does', () => {
    expect(readBlockYaml(kubectlStyle)).toEqual(parse(kubectlStyle));
  });

  it('reads indented lists, quoted keys and an empty document', () => {
    const text = "---\ncontexts:\n  - name: a\n    context:\n      cluster: c\n'current-context': a\nempty:\n";
    expect(readBlockYaml(text)).toEqual(parse(text));
    expect(readBlockYaml('')).toBeNull();
    expect(readBlockYaml('# only a comment\n')).toBeNull();
  });

  it('hands everything outside the subset to the full parser', () => {
    for (const text of [
      'a: &anchor x\nb: *anchor\n',
      'a: |\n  block\n',
      'a: {b: c}\n',
      'a: [b, c]\n',
      'a: !!str x\n',
      'a:\n\tb: c\n',
      'a: x\n  continued\n',
      'a: 1\na: 2\n',
      '{"json": true}\n',
      'a: b\n---\nc: d\n',
      "a: 'it''s' x'\n",
    ]) {
      expect(readBlockYaml(text), text).toBeUndefined();
    }
  });

  it('agrees with the yaml library on random kubeconfig-like documents it accepts', () => {
    // Keys as kubeconfig has them; values with the URL and path characters servers and names use.
    const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    const word = fc.stringMatching(/^[a-z][a-z0-9.:/_-]{0,12}$/);
    const leaf = fc.oneof(word, fc.constantFrom('true', 'false', 'it has spaces', "o'brien", 'x # not a comment?', 'https://10.0.0.1:6443'));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('map'), tie('list')),
      map: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 }),
      list: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    })).map;
    let accepted = 0;
    fc.assert(
      fc.property(tree, fc.boolean(), (document, indentSeq) => {
        const text = stringify(document, { indentSeq });
        const read = readBlockYaml(text);
        if (read === undefined) return;
        accepted += 1;
        expect(read).toEqual(parse(text));
      }),
      { numRuns: 300 },
    );
    // Most such documents are in the subset: the comparison above is not vacuous.
    expect(accepted).toBeGreaterThan(150);
  });
});
