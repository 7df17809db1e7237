// The progress line of a long upload, on stderr. On a terminal it is one line redrawn in place,
// shown only once the upload has run for a moment; elsewhere (with --progress) it is a line at
// every tenth of the way, so logs stay short.
import { formatSize } from './format.ts';

export interface ProgressOptions {
  /** 'auto': on a terminal only; 'always': also into pipes and files; 'never'. */
  mode: 'auto' | 'always' | 'never';
  stream?: NodeJS.WriteStream;
  /** On a terminal, nothing is drawn before this many ms have passed. */
  delayMs?: number;
}

export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #enabled: boolean;
  readonly #started = Date.now();
  readonly #delayMs: number;
  readonly #label: string;
  #total = 0;
  #files = 0;
  #done = 0;
  #filesDone = 0;
  #lastDraw = 0;
  #lastTenth = -1;
  #drawn = false;
  #lastText = '';

  constructor(label: string, options: ProgressOptions) {
    this.#label = label;
    this.#stream = options.stream ?? process.stderr;
    this.#tty = Boolean(this.#stream.isTTY);
    this.#enabled = options.mode === 'always' || (options.mode === 'auto' && this.#tty);
    this.#delayMs = options.delayMs ?? 400;
  }

  start(files: number, totalBytes: number): void {
    this.#files = files;
    this.#total = totalBytes;
  }

  bytes(n: number): void {
    this.#done += n;
    this.#draw(false);
  }

  fileDone(): void {
    this.#filesDone++;
    this.#draw(false);
  }

  finish(): void {
    if (!this.#enabled) return;
    if (this.#drawn || !this.#tty) this.#draw(true);
    if (this.#tty && this.#drawn) this.#stream.write('\n');
  }

  #text(): string {
    const pct = this.#total === 0 ? 100 : Math.floor((this.#done / this.#total) * 100);
    return `${this.#label}: ${this.#filesDone} of ${this.#files} files, ${formatSize(this.#done)} of ${formatSize(this.#total)} (${pct}%)`;
  }

  #draw(final: boolean): void {
    if (!this.#enabled) return;
    if (this.#tty) {
      const now = Date.now();
      if (!final && (now - this.#started < this.#delayMs || now - this.#lastDraw < 100)) return;
      const text = this.#text();
      if (text === this.#lastText) return;
      this.#lastDraw = now;
      this.#lastText = text;
      this.#drawn = true;
      this.#stream.write(`\r\x1b[K${text}`);
      return;
    }
    const tenth = this.#total === 0 ? 10 : Math.floor((this.#done / this.#total) * 10);
    const text = this.#text();
    if ((!final && tenth === this.#lastTenth) || text === this.#lastText) return;
    this.#lastTenth = tenth;
    this.#lastText = text;
    this.#stream.write(`${text}\n`);
  }
}
