/**
 * The typed error of this package: bad input names the field it is about.
 * @module
 */
export class UapiError extends Error {
  /** The field, e.g. `bpf_attr.map_type` or `bpf_insn.off`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'UapiError';
    this.field = field;
  }
}
