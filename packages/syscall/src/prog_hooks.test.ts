import { describe, expect, it } from 'vitest';
import {
  BPF_EXIT_INSN,
  BPF_LDX_MEM,
  BPF_MOV64_IMM,
  BPF_W,
  bpf_attach_type as AT,
  bpf_cmd,
  bpf_prog_type as PT,
  encodeAttr,
  encodeInsns,
  type BpfInsn,
} from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';
import type { Process } from './process.js';
import {
  cgroup_attach_task,
  cgroup_mount,
  net_devices,
  netif_receive,
  SO_ATTACH_BPF,
  SO_DETACH_BPF,
  SOL_SOCKET,
  sys_bind,
  sys_recv,
  sys_sendto,
  sys_setsockopt,
  sys_socket,
  XDP_DROP,
  XDP_PASS,
  XDP_TX,
} from './programs.js';


const ret = (imm: number): BpfInsn[] => [BPF_MOV64_IMM(0, imm), BPF_EXIT_INSN()];

function bpf(proc: Process, cmd: number, attr: Uint8Array): number {
  const a = proc.mem.alloc(attr.length);
  proc.mem.write(a, attr);
  return proc.bpf(cmd, a, attr.length);
}

function load(proc: Process, insns: BpfInsn[], prog_type: number, expected_attach_type = 0): number {
  const code = encodeInsns(insns);
  const ia = proc.mem.alloc(code.length);
  proc.mem.write(ia, code);
  const la = proc.mem.alloc(4);
  proc.mem.write(la, new TextEncoder().encode('GPL\0'));
  return bpf(proc, bpf_cmd.BPF_PROG_LOAD, encodeAttr('BPF_PROG_LOAD', { prog_type, insn_cnt: insns.length, insns: ia, license: la, expected_attach_type }));
}

function setsockopt(proc: Process, fd: number, optname: number, value: number, optlen = 4): number {
  const v = proc.mem.alloc(4);
  proc.mem.write(v, new Uint8Array(new Uint32Array([value >>> 0]).buffer));
  return sys_setsockopt(proc, fd, SOL_SOCKET, optname, v, optlen);
}

/** A receiver bound to port 9000 and a sender, in one process. */
function pair() {
  const kernel = createKernel();
  const proc = kernel.spawn();
  const rx = sys_socket(proc, 2, 2);
  expect(sys_bind(proc, rx, 9000)).toBe(0);
  const tx = sys_socket(proc, 2, 2);
  return { kernel, proc, rx, tx };
}

const payload = new TextEncoder().encode('hello, bpf!'); // 11 bytes; the filter sees 8 + 11

describe('SO_ATTACH_BPF: a socket filter decides what a UDP socket receives', () => {
  // The filter's return value is the number of bytes (from the UDP header) to keep: 0 drops,
  // anything above the datagram keeps it whole, otherwise max(8, n) bytes stay (sk_filter_trim_cap).
  const rows: { name: string; r0: number; delivered: string | null }[] = [
    { name: 'returning 0 drops the datagram', r0: 0, delivered: null },
    { name: 'returning 0xffffffff keeps it whole', r0: -1, delivered: 'hello, bpf!' },
    { name: 'returning 13 keeps the UDP header and 5 payload bytes', r0: 13, delivered: 'hello' },
    { name: 'returning 3 keeps at least the UDP header', r0: 3, delivered: '' },
  ];
  it.each(rows)('$name', ({ r0, delivered }) => {
    const { proc, rx, tx } = pair();
    const prog = load(proc, ret(r0), PT.BPF_PROG_TYPE_SOCKET_FILTER);
    expect(setsockopt(proc, rx, SO_ATTACH_BPF, prog)).toBe(0);
    proc.close(prog); // the socket holds its own reference
    expect(sys_sendto(proc, tx, payload, 9000)).toBe(payload.length);
    const got = sys_recv(proc, rx);
    if (delivered === null) expect(got).toBe(-11);
    else expect(new TextDecoder().decode(got as Uint8Array)).toBe(delivered);
  });

  it('a filter reading __sk_buff.len sees the UDP header and payload (19 bytes) and keeps them', () => {
    const { proc, rx, tx } = pair();
    const prog = load(proc, [BPF_LDX_MEM(BPF_W, 0, 1, 0), BPF_EXIT_INSN()], PT.BPF_PROG_TYPE_SOCKET_FILTER);
    expect(setsockopt(proc, rx, SO_ATTACH_BPF, prog)).toBe(0);
    sys_sendto(proc, tx, payload, 9000);
    expect(new TextDecoder().decode(sys_recv(proc, rx) as Uint8Array)).toBe('hello, bpf!');
  });

  const errs: { name: string; run(p: Process, rx: number): number; want: number }[] = [
    { name: 'a program that is not a socket filter is EINVAL', run: (p, rx) => setsockopt(p, rx, SO_ATTACH_BPF, load(p, ret(2), PT.BPF_PROG_TYPE_XDP)), want: -22 },
    { name: 'a closed program fd is EBADF', run: (p, rx) => setsockopt(p, rx, SO_ATTACH_BPF, 77), want: -9 },
    { name: 'an optlen below 4 is EINVAL', run: (p, rx) => setsockopt(p, rx, SO_ATTACH_BPF, load(p, ret(0), 1), 2), want: -22 },
    { name: 'detaching without a filter is ENOENT', run: (p, rx) => setsockopt(p, rx, SO_DETACH_BPF, 0), want: -2 },
    { name: 'a program fd is not a socket: ENOTSOCK', run: (p) => setsockopt(p, load(p, ret(0), 1), SO_ATTACH_BPF, 0), want: -88 },
  ];
  it.each(errs)('$name', ({ run, want }) => {
    const { proc, rx } = pair();
    expect(run(proc, rx)).toBe(want);
  });

  it('closing the socket releases the filter program', () => {
    const { kernel, proc, rx } = pair();
    const prog = load(proc, ret(0), 1);
    setsockopt(proc, rx, SO_ATTACH_BPF, prog);
    proc.close(prog);
    expect(kernel.objects().filter((o) => o.kind === 'prog')).toHaveLength(1);
    proc.close(rx);
    expect(kernel.objects().filter((o) => o.kind === 'prog')).toHaveLength(0);
  });
});

describe('cgroup skb programs decide what the sockets of a cgroup send and receive', () => {
  // bit 0 of r0 is the verdict (bpf_prog_run_array_cg); an egress drop fails sendto with EPERM,
  // an ingress drop loses the datagram silently.
  const rows: { name: string; attach: number; r0: number; send: number; delivered: boolean }[] = [
    { name: 'egress returning 1 lets it through', attach: AT.BPF_CGROUP_INET_EGRESS, r0: 1, send: 11, delivered: true },
    { name: 'egress returning 0 fails sendto with EPERM', attach: AT.BPF_CGROUP_INET_EGRESS, r0: 0, send: -1, delivered: false },
    { name: 'ingress returning 0 drops it at the receiver', attach: AT.BPF_CGROUP_INET_INGRESS, r0: 0, send: 11, delivered: false },
    { name: 'ingress returning 3 (odd) lets it through', attach: AT.BPF_CGROUP_INET_INGRESS, r0: 3, send: 11, delivered: true },
  ];
  it.each(rows)('$name', ({ attach, r0, send, delivered }) => {
    const kernel = createKernel();
    cgroup_mount(kernel);
    const proc = kernel.spawn();
    expect(proc.mkdir('/sys/fs/cgroup/app')).toBe(0);
    expect(cgroup_attach_task(proc, '/sys/fs/cgroup/app')).toBe(0);
    const cg = proc.open('/sys/fs/cgroup/app');
    const prog = load(proc, ret(r0), PT.BPF_PROG_TYPE_CGROUP_SKB, attach);
    expect(bpf(proc, bpf_cmd.BPF_PROG_ATTACH, encodeAttr('BPF_PROG_ATTACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: attach }))).toBe(0);
    proc.close(prog);
    const rx = sys_socket(proc, 2, 2);
    sys_bind(proc, rx, 9000);
    const tx = sys_socket(proc, 2, 2);
    expect(sys_sendto(proc, tx, payload, 9000)).toBe(send);
    expect(sys_recv(proc, rx) !== -11).toBe(delivered);
  });

  it('a process outside the cgroup is not filtered', () => {
    const kernel = createKernel();
    cgroup_mount(kernel);
    const proc = kernel.spawn();
    proc.mkdir('/sys/fs/cgroup/app');
    const cg = proc.open('/sys/fs/cgroup/app');
    const prog = load(proc, ret(0), PT.BPF_PROG_TYPE_CGROUP_SKB, AT.BPF_CGROUP_INET_EGRESS);
    bpf(proc, bpf_cmd.BPF_PROG_ATTACH, encodeAttr('BPF_PROG_ATTACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: AT.BPF_CGROUP_INET_EGRESS }));
    const tx = sys_socket(proc, 2, 2);
    expect(sys_sendto(proc, tx, payload, 9000)).toBe(11);
  });
});

describe('XDP links on a device', () => {
  const rows: { name: string; r0: number; act: number }[] = [
    { name: 'XDP_DROP drops the frame', r0: XDP_DROP, act: XDP_DROP },
    { name: 'XDP_PASS hands it to the stack', r0: XDP_PASS, act: XDP_PASS },
    { name: 'XDP_TX sends it back out', r0: XDP_TX, act: XDP_TX },
  ];
  it.each(rows)('$name', ({ r0, act }) => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const prog = load(proc, ret(r0), PT.BPF_PROG_TYPE_XDP);
    const link = bpf(proc, bpf_cmd.BPF_LINK_CREATE, encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: prog, target_fd: 2, attach_type: AT.BPF_XDP } }));
    expect(link).toBeGreaterThanOrEqual(0);
    expect(netif_receive(kernel, 2, new Uint8Array(60))).toBe(act);
  });

  it('the link keeps the program after its fd closes; closing the link detaches it', () => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const prog = load(proc, ret(XDP_DROP), PT.BPF_PROG_TYPE_XDP);
    const link = bpf(proc, bpf_cmd.BPF_LINK_CREATE, encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: prog, target_fd: 2, attach_type: AT.BPF_XDP } }));
    proc.close(prog);
    expect(netif_receive(kernel, 2, new Uint8Array(60))).toBe(XDP_DROP);
    expect(bpf(proc, bpf_cmd.BPF_LINK_CREATE, encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: load(proc, ret(2), 6), target_fd: 2, attach_type: AT.BPF_XDP } }))).toBe(-16);
    proc.close(link);
    expect(netif_receive(kernel, 2, new Uint8Array(60))).toBe(XDP_PASS);
    expect(net_devices(kernel).get(2)!.stats).toMatchObject({ xdp_drop: 1, xdp_pass: 1 });
  });

  const errs: { name: string; target: number; flags: number; want: number }[] = [
    { name: 'a device that does not exist is EINVAL', target: 9, flags: 0, want: -22 },
    { name: 'flags other than the XDP modes are EINVAL', target: 1, flags: 1, want: -22 },
  ];
  it.each(errs)('$name', ({ target, flags, want }) => {
    const proc = createKernel().spawn();
    const prog = load(proc, ret(2), PT.BPF_PROG_TYPE_XDP);
    expect(bpf(proc, bpf_cmd.BPF_LINK_CREATE, encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: prog, target_fd: target, attach_type: AT.BPF_XDP, flags } }))).toBe(want);
  });
});
