/** FNV-1a, 32 bits: a stable, well-spread hash of a string, for seeded tie-breaks (prompt rotation, pod forming). */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
