/**
 * Differential check of the bundled example (packages/loader/src/example.ts) on the host
 * kernel: the attrs built with encodeAttr are accepted by the real bpf(), the program
 * passes the real verifier, and BPF_PROG_TEST_RUN counts packets per protocol in the map.
 */
import { describe, expect, it } from 'vitest';
import {
  BPF_ATTR_SIZE,
  bpf_cmd,
  bpf_prog_type,
  cString,
  decodeAttr,
  decodeStruct,
  encodeAttr,
  encodeInsns,
  encodeStruct,
  sizeofStruct,
  type AttrCmd,
  type BpfAttrInput,
} from '@bpf-internals/uapi';
import { exampleInsns, exampleMapAttr, exampleProg, exampleProgLoadAttr, examplePacket } from '@bpf-internals/loader';
import { hostBpf, skipReason, type HostBpf } from './host/bpf.js';

const { host } = hostBpf();

function sys<C extends AttrCmd>(h: HostBpf, cmd: C & number, fields: BpfAttrInput<C>) {
  const a = h.mem.alloc(BPF_ATTR_SIZE);
  h.mem.write(a, encodeAttr(cmd, fields));
  const ret = h.bpf(cmd, a, BPF_ATTR_SIZE);
  return { ret, attr: () => h.mem.read(a, BPF_ATTR_SIZE) };
}
const bytes = (h: HostBpf, b: Uint8Array) => {
  const a = h.mem.alloc(b.length);
  h.mem.write(a, b);
  return a;
};

describe.skipIf(!host)('the bundled example on the host kernel', () => {
  it('loads, and BPF_PROG_TEST_RUN counts one packet per run under its IP protocol', () => {
    const h = host!;
    const map = sys(h, bpf_cmd.BPF_MAP_CREATE, exampleMapAttr).ret;
    expect(map).toBeGreaterThanOrEqual(0);
    const insns = encodeInsns(exampleInsns(map));
    const log = h.mem.alloc(65536);
    const load = sys(
      h,
      bpf_cmd.BPF_PROG_LOAD,
      exampleProgLoadAttr(map, {
        insns: bytes(h, insns),
        license: bytes(h, new TextEncoder().encode(exampleProg.license + '\0')),
        log_buf: log,
        log_size: 65536,
        log_level: 1,
      }),
    );
    const logText = new TextDecoder().decode(h.mem.read(log, 4096)).replace(/\0.*$/s, '');
    expect(load.ret, logText).toBeGreaterThanOrEqual(0);
    // At log_level 1 the verifier drops the log of every path that reached exit safely
    // (bpf_vlog_reset), so only the stats line stays; log_true_size still reports the
    // longest the log ever was, which the kernel wrote back into the attr.
    expect(logText).toMatch(/^processed 20 insns \(limit 1000000\)/);
    expect(decodeAttr('BPF_PROG_LOAD', load.attr()).log_true_size).toBeGreaterThan(logText.length + 1);

    for (const proto of [17, 17, 6]) {
      const pkt = examplePacket(proto);
      const run = sys(h, bpf_cmd.BPF_PROG_TEST_RUN, {
        test: { prog_fd: load.ret, data_in: bytes(h, pkt), data_size_in: pkt.length, repeat: 1 },
      });
      expect(run.ret).toBe(0);
      expect(decodeAttr('BPF_PROG_TEST_RUN', run.attr()).test.retval).toBe(0);
    }
    const count = (proto: number) => {
      const key = bytes(h, new Uint8Array(new Uint32Array([proto]).buffer));
      const value = h.mem.alloc(8);
      expect(sys(h, bpf_cmd.BPF_MAP_LOOKUP_ELEM, { map_fd: map, key, value }).ret).toBe(0);
      return new DataView(h.mem.read(value, 8).buffer).getBigUint64(0, true);
    };
    expect([count(17), count(6), count(0)]).toEqual([2n, 1n, 0n]);

    // BPF_OBJ_GET_INFO_BY_FD fills struct bpf_prog_info; decodeStruct reads the kernel's bytes.
    const infoBuf = h.mem.alloc(1024);
    const mapIds = h.mem.alloc(8);
    // Ask for map ids: nr_map_ids is the room at map_ids (in), the count (out).
    h.mem.write(infoBuf, encodeStruct('bpf_prog_info', { nr_map_ids: 2, map_ids: mapIds }));
    const get = sys(h, bpf_cmd.BPF_OBJ_GET_INFO_BY_FD, { info: { bpf_fd: load.ret, info_len: 1024, info: infoBuf } });
    expect(get.ret).toBe(0);
    // The kernel writes back min(info_len, sizeof(struct bpf_prog_info)).
    expect(decodeAttr('BPF_OBJ_GET_INFO_BY_FD', get.attr()).info.info_len).toBe(sizeofStruct('bpf_prog_info'));
    const info = decodeStruct('bpf_prog_info', h.mem.read(infoBuf, sizeofStruct('bpf_prog_info')));
    expect(info.type).toBe(bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER);
    expect(cString(info.name)).toBe(exampleProg.prog_name);
    expect(info.gpl_compatible).toBe(1);
    expect(info.nr_map_ids).toBe(1);
    expect(info.verified_insns).toBe(20);
    expect(info.xlated_prog_len % 8).toBe(0);
    const mapInfoBuf = h.mem.alloc(256);
    expect(sys(h, bpf_cmd.BPF_OBJ_GET_INFO_BY_FD, { info: { bpf_fd: map, info_len: 256, info: mapInfoBuf } }).ret).toBe(0);
    const mapInfo = decodeStruct('bpf_map_info', h.mem.read(mapInfoBuf, sizeofStruct('bpf_map_info')));
    expect(new DataView(h.mem.read(mapIds, 4).buffer).getUint32(0, true)).toBe(mapInfo.id);
    expect(mapInfo).toMatchObject({ type: exampleMapAttr.map_type, key_size: 4, value_size: 8, max_entries: 256 });
    expect(cString(mapInfo.name)).toBe(exampleMapAttr.map_name);
    h.close(load.ret);
    h.close(map);
  });
});

if (!host) it.skip(skipReason(), () => {});
