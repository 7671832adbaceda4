import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import type { BpfMap, BpfMapCreateAttr } from './bpf_map.js';
import { find_map_ops } from './bpf_types.js';
import { createMapEnv, mapCreateAttr } from './internal/common.js';
import { bpf_percpu_array_copy, bpf_percpu_array_update } from './arraymap.js';
import { bpf_percpu_hash_copy, bpf_percpu_hash_update, htab_map_lookup_batch } from './hashtab.js';
import { bpf_ringbuf_discard, bpf_ringbuf_output, bpf_ringbuf_query, bpf_ringbuf_reserve, bpf_ringbuf_submit, ring_buffer__consume } from './ringbuf.js';

// Entry points answer bad input with an errno (or null), never a thrown exception:
// random operation sequences with wrong-sized keys and values, odd flags and CPUs.
const types: [string, Partial<BpfMapCreateAttr>][] = [
  ['array', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 12, max_entries: 5 }],
  ['percpu array', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 5, max_entries: 3 }],
  ['hash', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 6, value_size: 4, max_entries: 4 }],
  ['hash no prealloc', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1 }],
  ['percpu hash', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 3, max_entries: 4 }],
  ['lru hash', { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 8, max_entries: 4 }],
  ['lru percpu hash, per-CPU lists', { map_type: T.BPF_MAP_TYPE_LRU_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 6, map_flags: 2 }],
  ['queue', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 3 }],
  ['stack', { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries: 3 }],
  ['ringbuf', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }],
];

const bytes = fc.uint8Array({ maxLength: 24 });
const flags = fc.oneof(fc.constantFrom(0n, 1n, 2n, 3n, 4n, 5n, 6n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const op = fc.oneof(
  fc.record({ k: fc.constant('update' as const), key: bytes, value: bytes, flags }),
  fc.record({ k: fc.constant('lookup' as const), key: bytes }),
  fc.record({ k: fc.constant('delete' as const), key: bytes }),
  fc.record({ k: fc.constant('next' as const), key: fc.option(bytes), out: bytes }),
  fc.record({ k: fc.constant('percpu' as const), key: bytes, value: bytes, flags, cpu: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ k: fc.constant('queue' as const), value: bytes, flags }),
  fc.record({ k: fc.constant('ring' as const), size: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant(Number.NaN)), flags, discard: fc.boolean() }),
  fc.record({ k: fc.constant('batch' as const), in_batch: fc.option(fc.nat(20)), count: fc.nat(10), flags }),
);

function run(m: BpfMap, o: { k: string } & Record<string, unknown>): void {
  const ops = m.ops;
  const key = o.key as Uint8Array;
  switch (o.k) {
    case 'update':
      expect(typeof ops.map_update_elem(m, key, o.value as Uint8Array, o.flags as bigint)).toBe('number');
      break;
    case 'lookup':
      ops.map_lookup_elem(m, key);
      ops.map_lookup_elem_sys_only?.(m, key);
      break;
    case 'delete':
      expect(typeof ops.map_delete_elem(m, key)).toBe('number');
      break;
    case 'next':
      expect(typeof ops.map_get_next_key(m, (o.key as Uint8Array | null) ?? null, o.out as Uint8Array)).toBe('number');
      break;
    case 'percpu': {
      ops.map_lookup_percpu_elem?.(m, key, o.cpu as number);
      (m.env as unknown as { cpu: number }).cpu = o.cpu as number;
      if (m.map_type === T.BPF_MAP_TYPE_PERCPU_ARRAY) {
        bpf_percpu_array_update(m, key, o.value as Uint8Array, o.flags as bigint);
        bpf_percpu_array_copy(m, key, o.value as Uint8Array);
      } else if (m.map_type === T.BPF_MAP_TYPE_PERCPU_HASH || m.map_type === T.BPF_MAP_TYPE_LRU_PERCPU_HASH) {
        bpf_percpu_hash_update(m, key, o.value as Uint8Array, o.flags as bigint);
        bpf_percpu_hash_copy(m, key, o.value as Uint8Array);
      }
      break;
    }
    case 'queue':
      ops.map_push_elem?.(m, o.value as Uint8Array, o.flags as bigint);
      ops.map_pop_elem?.(m, o.value as Uint8Array);
      ops.map_peek_elem?.(m, o.value as Uint8Array);
      break;
    case 'ring':
      if (m.map_type === T.BPF_MAP_TYPE_RINGBUF) {
        const s = bpf_ringbuf_reserve(m, o.size as number, 0n);
        if (s) (o.discard ? bpf_ringbuf_discard : bpf_ringbuf_submit)(s, o.flags as bigint);
        bpf_ringbuf_output(m, new Uint8Array(8), o.size as number, o.flags as bigint);
        bpf_ringbuf_query(m, o.flags as bigint);
        ring_buffer__consume(m, () => 0);
      }
      break;
    case 'batch':
      if (m.map_type === T.BPF_MAP_TYPE_HASH || m.map_type === T.BPF_MAP_TYPE_PERCPU_HASH || m.map_type === T.BPF_MAP_TYPE_LRU_HASH) {
        htab_map_lookup_batch(m, (o.in_batch as number | null) ?? null, o.count as number, 0n, o.flags as bigint, (o.count as number) % 2 === 1);
      }
      break;
  }
}

describe('no entry point throws on bad input', () => {
  it.each(types)('%s: 150 random operation sequences', (_n, a) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (seq) => {
        const at = mapCreateAttr(a);
        const ops = find_map_ops(at.map_type)!;
        const m = ops.map_alloc(at, createMapEnv(3)) as BpfMap;
        for (const o of seq) run(m, o as never);
        ops.map_free(m);
      }),
      { numRuns: 150 },
    );
  });
});
