import { cut, escapeXml } from './svg.js';

/**
 * The burn-up chart of a cohort: for each week, the units its members had done on time by that
 * week's deadline (bars), against the plan (every member done with every unit due: a dashed line).
 * Weeks not yet due are drawn empty. Pure string building.
 */
export function burnUpSvg(input: { title: string; planned: readonly number[]; onTime: readonly (number | undefined)[] }): string {
  const width = 640;
  const height = 360;
  const left = 56;
  const right = 20;
  const top = 48;
  const bottom = 300;
  const weeks = input.planned.length;
  const max = Math.max(1, ...input.planned, ...input.onTime.map((v) => v ?? 0));
  const slot = (width - left - right) / Math.max(1, weeks);
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" rx="10" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="16" font-weight="bold" fill="#1f2933">${escapeXml(cut(input.title, 60))}</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${width - right}" y2="${bottom}" stroke="#9aa5b1"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#9aa5b1"/>`,
    `<text x="${left - 8}" y="${top + 4}" font-size="11" text-anchor="end" fill="#616e7c">${max}</text>`,
    `<text x="${left - 8}" y="${bottom + 4}" font-size="11" text-anchor="end" fill="#616e7c">0</text>`,
  ];
  const label = Math.ceil(weeks / 13);
  for (let i = 0; i < weeks; i++) {
    const x = left + i * slot;
    const value = input.onTime[i];
    if (value !== undefined) parts.push(`<rect x="${(x + slot * 0.2).toFixed(1)}" y="${y(value).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(bottom - y(value)).toFixed(1)}" fill="#5865f2"><title>W${i + 1}: ${value} of ${input.planned[i]} on time</title></rect>`);
    if (i % label === 0) parts.push(`<text x="${(x + slot / 2).toFixed(1)}" y="${bottom + 16}" font-size="11" text-anchor="middle" fill="#616e7c">W${i + 1}</text>`);
  }
  const points = input.planned.map((v, i) => `${(left + (i + 0.5) * slot).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  parts.push(`<polyline points="${points}" fill="none" stroke="#9aa5b1" stroke-width="2" stroke-dasharray="6 4"/>`);
  parts.push(`<rect x="${left}" y="${height - 30}" width="12" height="12" fill="#5865f2"/><text x="${left + 18}" y="${height - 20}" font-size="11" fill="#1f2933">units done on time</text>`);
  parts.push(`<line x1="${left + 170}" y1="${height - 24}" x2="${left + 196}" y2="${height - 24}" stroke="#9aa5b1" stroke-width="2" stroke-dasharray="6 4"/><text x="${left + 202}" y="${height - 20}" font-size="11" fill="#1f2933">the plan</text>`);
  parts.push('</svg>');
  return parts.join('');
}
