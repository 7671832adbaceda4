/**
 * The kernel address space programs run in: one core `BpfRunEnv` (memory model, helper table,
 * clocks) per simulated kernel, shared by every program and every hook, as the real kernel has
 * one address space in which a map has one address. The verifier writes map addresses from it
 * into ld_imm64, BPF_PROG_TEST_RUN and the attach hooks run programs in it.
 * Mirrors no single kernel file; the run itself is `bpf_prog_run` of include/linux/filter.h:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h
 * @module
 */
import { createRunEnv, type BpfRunEnv } from '@bpf-internals/core';
import type { Kernel } from './kernel.js';

const envs = new WeakMap<Kernel, BpfRunEnv>();

/** The run environment of `kernel` (created on first use, deterministic clocks and randomness). */
export function kernel_run_env(kernel: Kernel): BpfRunEnv {
  let env = envs.get(kernel);
  if (!env) {
    env = createRunEnv({ cpu: kernel.current_cpu });
    envs.set(kernel, env);
  }
  return env;
}
