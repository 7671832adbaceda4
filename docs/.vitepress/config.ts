import { defineConfig } from 'vitepress';

export default defineConfig({
  title: 'bpf-internals',
  description: 'Linux v6.18 eBPF, from bpf(BPF_PROG_LOAD) to a RISC-V JIT image, as code you can run.',
  cleanUrls: true,
  vite: { resolve: { conditions: ['source'] } },
});
