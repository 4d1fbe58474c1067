/** Text inside SVG markup (the certificate, the burn-up chart): escaped for XML. */
export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Text cut to `max` characters with an ellipsis (an SVG line has no wrapping). */
export const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
