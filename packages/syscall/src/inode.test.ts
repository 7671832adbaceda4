import { describe, expect, it } from 'vitest';
import type { BpfObjFops } from './fdtable.js';
import { Vfs } from './inode.js';

const EPERM = -1;
const ENOENT = -2;
const EACCES = -13;
const EEXIST = -17;
const ENOTDIR = -20;
const EISDIR = -21;
const ENAMETOOLONG = -36;
const ENOTEMPTY = -39;

/** The kernel's filesystem: the Vfs plus the bpffs createKernel() mounts at /sys/fs/bpf. */
function mk(): Vfs {
  const vfs = new Vfs();
  vfs.mountBpffs('/sys/fs/bpf');
  return vfs;
}

function fops(log: string[]): BpfObjFops {
  return { name: 'bpf-map', bpf_type: 'map', any_get: () => log.push('get'), any_put: () => log.push('put'), new_fd: () => 3 };
}

describe('bpffs pin rules (bpf_obj_do_pin through user_path_create)', () => {
  const rows: [string, number][] = [
    ['/sys/fs/bpf/m', 0],
    ['/sys/fs/bpf', EEXIST],
    ['/sys/fs/bpf/.', EEXIST],
    ['/sys/fs/bpf/a.b', EPERM],
    ['/sys/fs/bpf/missing/m', ENOENT],
    ['/tmp/m', EPERM],
    ['/dev/null/m', ENOTDIR],
    ['', ENOENT],
    ['/sys/fs/bpf/' + 'n'.repeat(256), ENAMETOOLONG],
    ['/sys/fs/bpf/new/', ENOENT],
    ['sys/fs/bpf/rel', 0],
    ['/sys/fs/bpf/../bpf/up', 0],
  ];
  it.each(rows)('pin at %j answers %i', (path, want) => {
    const vfs = mk();
    expect(vfs.bpf_obj_do_pin(vfs.root, path, fops([]), {})).toBe(want);
  });
});

describe('bpffs get and unlink', () => {
  it('a pin is found again; a directory or device is EACCES; unlink drops the reference', () => {
    const vfs = mk();
    const log: string[] = [];
    const raw = {};
    expect(vfs.bpf_obj_do_pin(vfs.root, '/sys/fs/bpf/m', fops(log), raw)).toBe(0);
    const got = vfs.bpf_obj_do_get(vfs.root, '/sys/fs/bpf/m');
    expect(typeof got === 'object' && got.raw).toBe(raw);
    expect(vfs.bpf_obj_do_get(vfs.root, '/sys/fs/bpf')).toBe(EACCES);
    expect(vfs.bpf_obj_do_get(vfs.root, '/dev/null')).toBe(EACCES);
    expect(vfs.bpf_obj_do_get(vfs.root, '/sys/fs/bpf/m/')).toBe(ENOTDIR);
    expect(vfs.unlink(vfs.root, '/sys/fs/bpf/m')).toBe(0);
    expect(log).toEqual(['put']);
    expect(vfs.bpf_obj_do_get(vfs.root, '/sys/fs/bpf/m')).toBe(ENOENT);
  });
  it('directories: mkdir, EISDIR on unlink, ENOTEMPTY on rmdir', () => {
    const vfs = mk();
    expect(vfs.mkdir(vfs.root, '/sys/fs/bpf/d')).toBe(0);
    expect(vfs.mkdir(vfs.root, '/sys/fs/bpf/d')).toBe(EEXIST);
    expect(vfs.bpf_obj_do_pin(vfs.root, '/sys/fs/bpf/d/m', fops([]), {})).toBe(0);
    expect(vfs.unlink(vfs.root, '/sys/fs/bpf/d')).toBe(EISDIR);
    expect(vfs.rmdir(vfs.root, '/sys/fs/bpf/d')).toBe(ENOTEMPTY);
  });
  it('a second bpffs mount is its own filesystem', () => {
    const vfs = mk();
    expect(vfs.mountBpffs('/mnt/bpf2')).toBe(0);
    expect(vfs.bpf_obj_do_pin(vfs.root, '/mnt/bpf2/m', fops([]), {})).toBe(0);
    expect(vfs.readdir(vfs.root, '/sys/fs/bpf')).toEqual([]);
    expect(vfs.readdir(vfs.root, '/mnt/bpf2')).toEqual(['m']);
  });
});
