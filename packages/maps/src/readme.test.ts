import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as uapi from '@bpf-internals/uapi';
import * as maps from './index.js';

// The README's example runs, and prints what its comments say.
describe('README example', () => {
  it('prints 0, -17, 0 -7 and the live value view', () => {
    const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]
      .split('\n')
      .filter((l) => !l.startsWith('import '))
      .join('\n')
      .replace(/\)!;/g, ');')
      .replace(/ as Exclude<[^;]*;/, ';')
      .replace(/\(k: number\)/, '(k)');
    const out: unknown[][] = [];
    new Function('bpf_map_type', 'createMapEnv', 'find_map_ops', 'mapCreateAttr', 'console', code)(
      uapi.bpf_map_type,
      maps.createMapEnv,
      maps.find_map_ops,
      maps.mapCreateAttr,
      { log: (...a: unknown[]) => out.push(a) },
    );
    expect(out.slice(0, 3)).toEqual([[0], [-17], [0, -7]]);
    expect([...(out[3][0] as Uint8Array)]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
  });
});
