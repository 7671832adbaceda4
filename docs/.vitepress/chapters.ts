/**
 * The course's table of contents, in the order of the load path (issue #4): the bpf() call, maps,
 * programs, inside __sys_bpf, bpf_prog_load, the verifier, the interpreter, the RISC-V JIT, and
 * libbpf's side. One list drives the sidebar, the landing page's diagram, the prev/next links, the
 * per-chapter test report and the in-browser test runner, so they cannot disagree.
 *
 * `tests` are globs (relative to the repository root) naming the test files that cover a chapter's
 * code. A chapter can override them with `tests:` in its frontmatter.
 */

/** Where package sources are viewed. Chapter links like `../packages/core/src/interp.ts#fn` become
 *  `${REPO_BLOB_URL}/packages/core/src/interp.ts#L<line>` at build time. */
export const REPO_URL = 'https://github.com/bpf-internals/bpf-internals';
export const REPO_BLOB_URL = `${REPO_URL}/blob/main`;
/** "Edit this page" target; `:path` is the page's path inside docs/. */
export const EDIT_URL_PATTERN = `${REPO_URL}/edit/main/docs/:path`;
/** The only kernel release the site may link to. */
export const KERNEL_TAG = 'v6.18';

export interface Chapter {
  /** Page path without extension, relative to docs/ (also its URL). */
  slug: string;
  /** Sidebar title. */
  title: string;
  /** One line for the landing page. */
  blurb: string;
  /** The kernel functions this step of the load path is about (the diagram's box subtitle). */
  kernel: string;
  /** Test files covering the chapter, as globs from the repository root. */
  tests: string[];
  /** Who writes the chapter (used only for the honest placeholder text). */
  owner: string;
}

export const chapters: Chapter[] = [
  {
    slug: 'bpf-syscall',
    title: 'The bpf() system call',
    blurb: 'cmd, attr, size: the one entry point, and the 168-byte union bpf_attr.',
    kernel: 'bpf(2), union bpf_attr',
    tests: ['packages/uapi/src/**/*.test.ts', 'test/host/**/*.test.ts', 'test/uapi-*.test.ts', 'test/**/*attr*.test.ts'],
    owner: 'site engineer',
  },
  {
    slug: 'maps',
    title: 'Maps',
    blurb: 'Map types, create / lookup / update / delete, and the three update flags.',
    kernel: 'map_create, bpf_map_ops',
    tests: ['packages/maps/src/**/*.test.ts', 'test/maps-*.test.ts', 'test/**/*map*.test.ts'],
    owner: 'maps engineer',
  },
  {
    slug: 'programs',
    title: 'Programs',
    blurb: 'Loading, program types, attach, links and pinning.',
    kernel: 'bpf_prog_attach, bpf_link, bpf_obj_pin',
    tests: ['packages/syscall/src/**/prog_hooks*.test.ts', 'packages/syscall/src/**/*link*.test.ts', 'packages/syscall/src/**/*attach*.test.ts', 'packages/syscall/src/**/inode*.test.ts', 'test/prog-sock*.test.ts', 'test/**/*link*.test.ts', 'test/**/*pin*.test.ts', 'test/**/*attach*.test.ts'],
    owner: 'syscall engineer B',
  },
  {
    slug: 'sys-bpf',
    title: 'Inside __sys_bpf',
    blurb: 'Copying the attr in, the tail-zero check, the command switch, errno out.',
    kernel: '__sys_bpf, bpf_check_uarg_tail_zero',
    tests: ['packages/syscall/src/**/syscall*.test.ts', 'packages/syscall/src/**/kernel*.test.ts', 'packages/syscall/src/**/idr*.test.ts', 'packages/syscall/src/**/usermem*.test.ts', 'test/syscall-*.test.ts'],
    owner: 'syscall engineer A',
  },
  {
    slug: 'prog-load',
    title: 'bpf_prog_load, step by step',
    blurb: 'From BPF_PROG_LOAD to a file descriptor: checks, copy, verify, select runtime.',
    kernel: 'bpf_prog_load, bpf_prog_select_runtime',
    tests: ['packages/syscall/src/**/prog.test.ts', 'packages/syscall/src/**/prog_fuzz*.test.ts', 'packages/syscall/src/**/*load*.test.ts', 'test/prog-load*.test.ts'],
    owner: 'syscall engineer B',
  },
  {
    slug: 'verifier',
    title: 'The verifier',
    blurb: 'bpf_check: CFG check, abstract interpretation, register states and the log.',
    kernel: 'bpf_check, do_check',
    tests: ['packages/verifier/src/**/*.test.ts', 'test/**/*verifier*.test.ts'],
    owner: 'site engineer',
  },
  {
    slug: 'interpreter',
    title: 'Running a program',
    blurb: 'The interpreter ___bpf_prog_run, helpers and BPF_PROG_TEST_RUN.',
    kernel: '___bpf_prog_run',
    tests: ['packages/core/src/**/*.test.ts', 'test/core-*.test.ts', 'test/**/*interp*.test.ts'],
    owner: 'core engineer',
  },
  {
    slug: 'jit-riscv',
    title: 'The RISC-V JIT',
    blurb: 'bpf_int_jit_compile: BPF instructions to RV64 machine code, side by side.',
    kernel: 'bpf_int_jit_compile',
    tests: ['packages/jit-riscv/src/**/*.test.ts', 'test/jit-*.test.ts'],
    owner: 'JIT engineer',
  },
  {
    slug: 'loader',
    title: 'Loading an object',
    blurb: "libbpf's side: ELF sections, maps, relocations, then bpf() calls.",
    kernel: 'bpf_object__open, bpf_object__load',
    tests: ['packages/loader/src/**/*.test.ts', 'test/uapi-example.test.ts', 'test/uapi-npm-start.test.ts', 'test/**/*loader*.test.ts', 'test/**/*elf*.test.ts'],
    owner: 'site engineer',
  },
];

/** `**` matches any run of path segments, `*` anything but `/`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}
