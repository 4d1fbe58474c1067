import type { Cohort, CohortCertificate } from '../../db/schema.js';

import { cut, escapeXml } from './svg.js';

/** A date as the certificate prints it, e.g. 2 March 2026 (in the cohort's zone). */
export function certificateDate(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'long', year: 'numeric' }).format(instant);
}

/**
 * The certificate card as SVG (rendered to PNG by the app's resvg renderer): the member's display
 * name, the cohort, its dates, what they completed and the verification code. Pure string building.
 */
export function certificateSvg(input: {
  certificate: CohortCertificate;
  cohort: Pick<Cohort, 'name' | 'timezone'>;
  trackTitle: string;
  serverName: string;
  starts: Date;
  ends: Date;
}): string {
  const { certificate: c, cohort } = input;
  const width = 900;
  const height = 560;
  const ink = '#1f2933';
  const faint = '#616e7c';
  const accent = '#5865f2';
  const line = (y: number, size: number, text: string, extra = '', fill = ink) =>
    `<text x="${width / 2}" y="${y}" font-size="${size}" text-anchor="middle" fill="${fill}"${extra}>${escapeXml(text)}</text>`;
  const completed = `${c.unitsDone} of ${c.units} weekly units completed, ${c.unitsOnTime} on time`;
  const dates = `${certificateDate(input.starts, cohort.timezone)} – ${certificateDate(input.ends, cohort.timezone)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fdfcf7"/>`,
    `<rect x="18" y="18" width="${width - 36}" height="${height - 36}" rx="14" fill="none" stroke="${accent}" stroke-width="4"/>`,
    `<rect x="30" y="30" width="${width - 60}" height="${height - 60}" rx="10" fill="none" stroke="${accent}" stroke-width="1"/>`,
    line(100, 18, 'CERTIFICATE OF COMPLETION', ' font-weight="bold" letter-spacing="3"', accent),
    line(150, 16, 'This certifies that', '', faint),
    line(215, 44, cut(c.displayName, 32), ' font-weight="bold"'),
    line(270, 16, 'completed the cohort', '', faint),
    line(320, 30, cut(cohort.name, 40), ' font-weight="bold"'),
    line(360, 18, cut(`${input.trackTitle} · ${input.serverName}`, 70)),
    line(400, 16, dates, '', faint),
    line(440, 16, completed),
    `<text x="${width / 2}" y="${height - 60}" font-size="13" text-anchor="middle" fill="${faint}">${escapeXml(`Verify: /cohort verify code:${c.code}`)}</text>`,
    '</svg>',
  ].join('');
}

