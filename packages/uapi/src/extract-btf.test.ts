/**
 * The committed extract (generated/layouts.generated.json, enums.generated.ts) is what
 * scripts/extract-btf.ts produces from the live kernel's BTF today: strict on a 6.18.x
 * host, report-only on another release, skipped with one line where BTF is unreadable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { extractBtf } from '../scripts/extract-btf.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
let btf: Uint8Array | null = null;
let reason = '';
try {
  if (existsSync(VMLINUX)) btf = readFileSync(VMLINUX);
  else reason = `${VMLINUX} does not exist`;
} catch (e) {
  reason = `${VMLINUX} is not readable (${(e as Error).message})`;
}
const strict = /^6\.18(\.|$)/.test(release());
const committed = (name: string) => readFileSync(new URL(`./generated/${name}`, import.meta.url), 'utf8');

describe.skipIf(!btf)(`re-extracting ${VMLINUX} (Linux ${release()})`, () => {
  const fresh = btf ? extractBtf(btf, VMLINUX, release()) : undefined;
  it.each([
    ['layouts.generated.json', 'layoutsJson'],
    ['enums.generated.ts', 'enumsTs'],
  ] as const)('gives the committed %s', (file, key) => {
    const now = fresh![key];
    const then = committed(file);
    if (!strict) {
      if (now !== then) console.log(`${file} differs on Linux ${release()} (only 6.18 is compared strictly)`);
      return;
    }
    expect(now).toBe(then);
  });
});

if (!btf) it.skip(`BTF extract check skipped: ${reason}`, () => {});
