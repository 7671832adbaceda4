/**
 * Layout truth: every field of the hand-declared schemas (union bpf_attr and the info
 * structs) against the live 6.18 kernel's BTF, as extracted into layouts.generated.json
 * by scripts/extract-btf.ts. Offsets, sizes and C types must match, and no BTF field may
 * be missing from a schema.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BPF_ATTR_SIZE, bpf_attr_decl } from './attr.js';
import { uapiStructs } from './structs.js';
import { layoutStruct, type AggDecl, type StructLayout } from './internal/layout.js';

interface JsonField {
  name: string;
  offset: number;
  size: number;
  type: string;
  bitOffset?: number;
  bitSize?: number;
}

interface Layouts {
  kernel: string;
  bpf_attr: { size: number; variants: { index: number; name: string; size: number; fields: JsonField[] }[] };
  structs: Record<string, { size: number; fields: JsonField[] }>;
}
const layouts = JSON.parse(
  readFileSync(new URL('./generated/layouts.generated.json', import.meta.url), 'utf8'),
) as Layouts;

/** BTF spells `__aligned_u64` as the `__u64` it resolves to. */
const norm = (t: string) => t.replace(/__aligned_u64/g, '__u64');

function rows(json: JsonField[]) {
  return json
    .filter((f) => !/^(struct|union) [^*]*$/.test(f.type))
    .map((f) => ({ name: f.name, offset: f.offset, size: f.size, type: norm(f.type), bitOffset: f.bitOffset, bitSize: f.bitSize }));
}
function ours(l: StructLayout, strip = '') {
  return l.fields.map((f) => ({
    name: strip && f.path.startsWith(strip) ? f.path.slice(strip.length) : f.path,
    offset: f.offset,
    size: f.size,
    type: norm(f.ctype),
    bitOffset: f.bitOffset,
    bitSize: f.bitSize,
  }));
}

describe(`union bpf_attr matches the kernel's BTF (${layouts.kernel})`, () => {
  it('has the size BTF reports', () => {
    expect(BPF_ATTR_SIZE).toBe(layouts.bpf_attr.size);
    expect(bpf_attr_decl.members.length).toBe(layouts.bpf_attr.variants.length);
  });
  it.each(layouts.bpf_attr.variants.map((v) => [v.index, v.name || '(anonymous)', v] as const))(
    'member %i %s: every field at its offset, size and type',
    (i, _name, v) => {
      const decl = bpf_attr_decl.members[i] as AggDecl;
      expect(decl.name).toBe(v.name);
      const l = layoutStruct('bpf_attr', decl);
      expect(l.size).toBe(v.size);
      expect(ours(l)).toEqual(rows(v.fields as JsonField[]));
    },
  );
});

describe('the UAPI structs match the kernel BTF', () => {
  it.each(Object.entries(layouts.structs))('struct %s', (name, s) => {
    const l = uapiStructs[name as keyof typeof uapiStructs];
    expect(l, `schema for ${name}`).toBeDefined();
    expect(l.size).toBe(s.size);
    expect(ours(l)).toEqual(rows(s.fields as JsonField[]));
  });
});
