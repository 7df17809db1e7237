/** Thrown by proc_exit to unwind the guest; the sandbox catches it and reads `code`. */
export class ProcExit extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`guest exited with code ${code}`);
    this.name = 'ProcExit';
    this.code = code;
  }
}
