import { afterAll, describe, expect, it } from 'vitest';
import { burnUpSvg } from '../../src/discord/views/burn-up.js';
import { certificateDate, certificateSvg } from '../../src/discord/views/certificate.js';
import { createImageRenderer } from '../../src/discord/views/heatmap.js';

const input = {
  certificate: {
    cohortId: 1,
    userId: '1',
    code: 'AB12C-DE34F',
    displayName: 'Ada <script> & "friends"',
    units: 4,
    unitsDone: 4,
    unitsOnTime: 3,
    issuedAt: new Date('2026-04-13T22:00:00Z'),
  },
  cohort: { name: 'Spring 2026', timezone: 'Europe/Berlin' },
  trackTitle: 'ML Engineer',
  serverName: 'Study Group',
  starts: new Date('2026-03-16T08:00:00Z'),
  ends: new Date('2026-04-13T21:59:00Z'),
};

describe('certificate card', () => {
  const images = createImageRenderer();
  afterAll(() => images.close());

  it('carries the name (escaped), the cohort, local dates, what was completed and the code', () => {
    const svg = certificateSvg(input);
    expect(svg).toContain('Ada &lt;script&gt; &amp; &quot;friends&quot;');
    expect(svg).toContain('Spring 2026');
    expect(svg).toContain('16 March 2026 – 13 April 2026');
    expect(svg).toContain('4 of 4 weekly units completed, 3 on time');
    expect(svg).toContain('AB12C-DE34F');
    // The last deadline is 23:59 in Berlin, already the 14th in UTC: the card prints the cohort's date.
    expect(certificateDate(new Date('2026-04-13T22:30:00Z'), 'Europe/Berlin')).toBe('14 April 2026');
  });

  it('renders to a PNG', async () => {
    const png = await images.renderPng(certificateSvg(input));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1800);
  });
});

describe('burn-up chart', () => {
  const images = createImageRenderer();
  afterAll(() => images.close());

  it('draws a bar for each week already due, none for the rest, and the plan as a line; renders to a PNG', async () => {
    const svg = burnUpSvg({ title: 'Spring <2026>', planned: [3, 6, 9, 12], onTime: [3, 5, undefined, undefined] });
    expect(svg).toContain('Spring &lt;2026&gt;');
    expect(svg.match(/<title>W\d+: \d+ of \d+ on time<\/title>/g)).toEqual(['<title>W1: 3 of 3 on time</title>', '<title>W2: 5 of 6 on time</title>']);
    expect(svg).toContain('<polyline');
    expect(svg.match(/>W\d+</g)).toHaveLength(4);
    const png = await images.renderPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
