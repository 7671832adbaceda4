import { describe, expect, it } from 'vitest';
import { bpf_cmd, encodeAttr } from '@bpf-internals/uapi';
import { createKernel, type KernelTraceEvent } from './kernel.js';

function put(proc: ReturnType<ReturnType<typeof createKernel>['spawn']>, b: Uint8Array): bigint {
  const a = proc.mem.alloc(b.length);
  proc.mem.write(a, b);
  return a;
}
const ARRAY = encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 });

describe('createKernel / spawn', () => {
  it('fds start at 3 and the lowest free fd is reused', () => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const a = put(proc, ARRAY);
    expect([proc.bpf(0, a, 168), proc.bpf(0, a, 168), proc.bpf(0, a, 168)]).toEqual([3, 4, 5]);
    expect(proc.close(4)).toBe(0);
    expect(proc.bpf(0, a, 168)).toBe(4);
    expect(proc.close(99)).toBe(-9);
  });
  it('two processes have their own fd tables and memory, one kernel shares objects by id', () => {
    const kernel = createKernel();
    const p1 = kernel.spawn();
    const p2 = kernel.spawn();
    expect(p1.bpf(0, put(p1, ARRAY), 168)).toBe(3);
    expect(p2.close(3)).toBe(-9);
    const fd = p2.bpf(bpf_cmd.BPF_MAP_GET_FD_BY_ID, put(p2, encodeAttr('BPF_MAP_GET_FD_BY_ID', { map_id: 1 })), 168);
    expect(fd).toBe(3);
    expect(kernel.objects()).toEqual([{ kind: 'map', id: 1, refcnt: 2, usercnt: 2, name: '', type: 2 }]);
    p1.exit();
    p2.exit();
    expect(kernel.objects()).toEqual([]);
  });
  it('kernel.objects() reports refcnt and usercnt through a pin', () => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const fd = proc.bpf(0, put(proc, ARRAY), 168);
    const path = put(proc, new TextEncoder().encode('/sys/fs/bpf/m\0'));
    expect(proc.bpf(bpf_cmd.BPF_OBJ_PIN, put(proc, encodeAttr('BPF_OBJ_PIN', { pathname: path, bpf_fd: fd })), 168)).toBe(0);
    expect(kernel.objects()[0]).toMatchObject({ refcnt: 2, usercnt: 2 });
    proc.close(fd);
    expect(kernel.objects()[0]).toMatchObject({ refcnt: 1, usercnt: 1 });
    expect(proc.unlink('/sys/fs/bpf/m')).toBe(0);
    expect(kernel.objects()).toEqual([]);
  });
  it('kernel.mount adds a bpffs where pins work', () => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const fd = proc.bpf(0, put(proc, ARRAY), 168);
    const pin = (p: string) =>
      proc.bpf(bpf_cmd.BPF_OBJ_PIN, put(proc, encodeAttr('BPF_OBJ_PIN', { pathname: put(proc, new TextEncoder().encode(p + '\0')), bpf_fd: fd })), 168);
    expect(pin('/mnt/bpf/m')).toBe(-2);
    expect(kernel.mount('/mnt/bpf')).toBe(0);
    expect(pin('/mnt/bpf/m')).toBe(0);
  });
  it('spawn({ caps }) limits capabilities; root has them all', () => {
    const kernel = createKernel();
    expect(kernel.spawn().capable(21)).toBe(true);
    const p = kernel.spawn({ caps: ['CAP_BPF'] });
    expect([p.capable(39), p.capable(21), p.capable(12)]).toEqual([true, false, false]);
  });
  it('sysctls default to Debian: unprivileged_bpf_disabled 2, JIT on', () => {
    expect(createKernel().sysctls).toEqual({ 'kernel.unprivileged_bpf_disabled': 2, 'net.core.bpf_jit_enable': 1 });
    expect(createKernel({ jit: false }).sysctls['net.core.bpf_jit_enable']).toBe(0);
  });
  it('the trace option sees __sys_bpf enter and return', () => {
    const events: KernelTraceEvent[] = [];
    const kernel = createKernel({ trace: (e) => events.push(e) });
    const proc = kernel.spawn();
    proc.bpf(0, put(proc, ARRAY), 168);
    expect(events[0]).toMatchObject({ fn: '__sys_bpf', depth: 0, detail: 'cmd BPF_MAP_CREATE, size 168' });
    expect(events.slice(1, 4).map((e) => [e.fn, e.ret])).toEqual([
      ['bpf_check_uarg_tail_zero', 0],
      ['copy_from_bpfptr', 0],
      ['CHECK_ATTR', 0],
    ]);
    expect(events.at(-1)).toMatchObject({ fn: '__sys_bpf', ret: 3 });
  });
});
