// The wasm tests' WAT guests, as bytes.
import { readFileSync } from 'node:fs';
import { watGuest } from '../support/guests.ts';

export async function wat(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(readFileSync(await watGuest(name)));
}
