/**
 * The chapter's table of modelled functions must list exactly the `@see` tags of
 * packages/core/src (name, file, kernel link), in source order: the table cannot go stale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const SRC = join(ROOT, 'packages/core/src');

function expectedRows(): string[] {
  const rows: string[] = [];
  const seen = new Set<string>();
  for (const f of readdirSync(SRC).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts') && x !== 'index.ts').sort()) {
    const text = readFileSync(join(SRC, f), 'utf8');
    for (const m of text.matchAll(/@see (https:\/\/elixir\.bootlin\.com\/linux\/v6\.18\/source\/(\S+)) \(([^)]+)\)/g)) {
      for (const name of m[3]!.split(',').map((n) => n.trim())) {
        if (seen.has(`${name} ${f}`)) continue;
        seen.add(`${name} ${f}`);
        rows.push(`| \`${name}\` | [\`${f}\`](../packages/core/src/${f}) | [${m[2]}](${m[1]}) |`);
      }
    }
  }
  return rows;
}

it("the chapter's function table is the @see tags of packages/core/src", () => {
  const doc = readFileSync(join(ROOT, 'docs/interpreter.md'), 'utf8');
  const start = doc.indexOf('| kernel function | this repo | kernel v6.18 |');
  const table = doc
    .slice(start)
    .split('\n')
    .slice(2)
    .filter((l, i, a) => l.startsWith('|') && a.slice(0, i).every((x) => x.startsWith('|')));
  expect(table).toEqual(expectedRows());
});
