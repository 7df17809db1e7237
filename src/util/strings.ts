/** How many NUL characters `s` holds. */
export function nulCount(s: string): number {
  let n = 0;
  for (let at = s.indexOf('\0'); at !== -1; at = s.indexOf('\0', at + 1)) n++;
  return n;
}
