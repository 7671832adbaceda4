/**
 * The host half of a capability scenario: run in a child process that setpriv
 * started as uid 65534 with only the scenario's capabilities, so the host
 * kernel's capability checks answer for a real unprivileged caller.
 * Prints the run's observations as JSON on stdout.
 *
 *   setpriv --reuid=65534 ... node --conditions=source --import tsx test/diff/caps-child.ts "<scenario name>"
 *
 * It talks to bpf() through koffi directly: test/host/bpf.ts probes with a
 * BPF_MAP_CREATE, which an unprivileged caller is refused.
 */
import { createRequire } from 'node:module';
import type { BpfProcess, UserMemory } from '../host/bpf.js';
import { objScenarios } from './obj-scenarios.js';
import { runOn } from './runner.js';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
const libc = koffi.load('libc.so.6');
const syscall4 = libc.func('long syscall(long nr, long cmd, uint64_t attr, unsigned long size)');
const close = libc.func('int close(int fd)');
const open = libc.func('int open(const char *path, int flags)');
const keep: unknown[] = [];
const blocks: { addr: bigint; len: number; view: Uint8Array }[] = [];
const find = (addr: bigint, len: number): Uint8Array => {
  for (const b of blocks) {
    if (addr >= b.addr && addr + BigInt(len) <= b.addr + BigInt(b.len)) {
      const off = Number(addr - b.addr);
      return b.view.subarray(off, off + len);
    }
  }
  throw new RangeError(`0x${addr.toString(16)}+${len} was not allocated`);
};
const mem: UserMemory = {
  alloc(len) {
    const ptr = koffi.alloc('uint8_t', Math.max(len, 1));
    keep.push(ptr);
    const addr = koffi.address(ptr);
    const view = new Uint8Array(koffi.view(ptr, Math.max(len, 1)));
    view.fill(0);
    blocks.push({ addr, len, view });
    return addr;
  },
  write: (addr, bytes) => find(addr, bytes.length).set(bytes),
  read: (addr, len) => find(addr, len).slice(),
};
const ret = (r: number | bigint): number => (Number(r) < 0 ? -koffi.errno() : Number(r));
const proc: BpfProcess = {
  mem,
  bpf: (cmd, attr, size) => ret(syscall4(321, cmd, attr, size)),
  close: (fd) => ret(close(fd)),
  open: (path) => ret(open(path, 0)),
};

const sc = objScenarios.find((s) => s.name === process.argv[2]);
if (!sc) throw new Error(`no scenario ${process.argv[2]}`);
const r = runOn('host', proc, (p) => p, sc, { unlink: () => -1, mkdir: () => -1 });
for (const fd of r.fds) proc.close(fd);
process.stdout.write(JSON.stringify({ obs: r.obs, expectFailures: r.expectFailures }));
