/**
 * Benchmarks of the attr codec (`npm run bench`): it runs once per modelled bpf() call,
 * so it has to cost well under a microsecond or two. Prints ns per operation.
 */
import {
  decodeAttr,
  decodeInsns,
  decodeStruct,
  encodeAttr,
  encodeInsns,
  encodeStruct,
  getAttrField,
  setAttrField,
  BPF_EXIT_INSN,
  BPF_MOV64_IMM,
  BPF_REG_0,
} from '../src/index.js';

function bench(name: string, fn: () => unknown, iters = 200_000): void {
  for (let i = 0; i < iters / 10; i++) fn(); // warm up the JIT
  const t0 = performance.now();
  let sink: unknown;
  for (let i = 0; i < iters; i++) sink = fn();
  const ns = ((performance.now() - t0) * 1e6) / iters;
  console.log(`${name.padEnd(48)} ${ns.toFixed(0).padStart(6)} ns/op${sink === undefined ? '' : ''}`);
}

const progLoad = encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: 0x1000n, license: 0x2000n, prog_name: 'bench' });
const update = encodeAttr('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: 0x1000n, value: 0x2000n, flags: 0n });
const linkCreate = encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: 3, kprobe_multi: { cnt: 4 } } });
const info = encodeStruct('bpf_prog_info', { type: 1, id: 7, name: 'x', gpl_compatible: 1 });
const insns = encodeInsns(Array.from({ length: 64 }, (_, i) => (i % 2 ? BPF_EXIT_INSN() : BPF_MOV64_IMM(BPF_REG_0, i))));

bench('encodeAttr(BPF_MAP_UPDATE_ELEM, 4 fields)', () => encodeAttr('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: 0x1000n, value: 0x2000n, flags: 0n }));
bench('decodeAttr(BPF_MAP_UPDATE_ELEM)', () => decodeAttr('BPF_MAP_UPDATE_ELEM', update));
bench('encodeAttr(BPF_PROG_LOAD, 5 fields)', () =>
  encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: 0x1000n, license: 0x2000n, prog_name: 'bench' }),
);
bench('decodeAttr(BPF_PROG_LOAD) (32 fields)', () => decodeAttr('BPF_PROG_LOAD', progLoad));
bench('decodeAttr(BPF_LINK_CREATE) (44 fields, 8 groups)', () => decodeAttr('BPF_LINK_CREATE', linkCreate));
bench('getAttrField(BPF_PROG_LOAD, insn_cnt)', () => getAttrField('BPF_PROG_LOAD', progLoad, 'insn_cnt'));
bench('setAttrField(BPF_PROG_LOAD, log_true_size)', () => setAttrField('BPF_PROG_LOAD', progLoad, 'log_true_size', 9));
bench('decodeStruct(bpf_prog_info)', () => decodeStruct('bpf_prog_info', info));
bench('encodeInsns(64 insns)', () => encodeInsns(decodeInsns(insns)), 20_000);
