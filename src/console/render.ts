/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- rendering loosely typed Discord message JSON */
/** A Discord message as the API shapes it (only the fields the console shows). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MessageJson = Record<string, any>;

export interface Names {
  channel(id: string): string | undefined;
  user(id: string): string | undefined;
  role(id: string): string | undefined;
}

export interface ComponentRef {
  index: number;
  type: 'button' | 'link' | 'select';
  label: string;
  customId?: string;
  url?: string;
  disabled: boolean;
  options?: { label: string; value: string }[];
}

/** Every interactive component of a message, numbered from 1 in reading order. */
export function componentsOf(message: MessageJson): ComponentRef[] {
  const refs: ComponentRef[] = [];
  for (const row of (message.components ?? []) as MessageJson[]) {
    for (const c of (row.components ?? []) as MessageJson[]) {
      const index = refs.length + 1;
      const emoji = c.emoji?.name ? `${c.emoji.name} ` : '';
      if (c.type === 2 && c.style === 5) refs.push({ index, type: 'link', label: `${emoji}${c.label ?? 'Link'}`, url: c.url, disabled: Boolean(c.disabled) });
      else if (c.type === 2) refs.push({ index, type: 'button', label: `${emoji}${c.label ?? ''}`.trim(), customId: c.custom_id, disabled: Boolean(c.disabled) });
      else if (c.type >= 3 && c.type <= 8)
        refs.push({
          index,
          type: 'select',
          label: c.placeholder ?? 'Choose…',
          customId: c.custom_id,
          disabled: Boolean(c.disabled),
          options: ((c.options ?? []) as MessageJson[]).map((o) => ({ label: String(o.label), value: String(o.value) })),
        });
    }
  }
  return refs;
}

/** Turns Discord markup (mentions, timestamps) into plain readable text. */
export function plain(text: string, names: Names): string {
  return text
    .replace(/<#(\d+)>/g, (_, id: string) => `#${names.channel(id) ?? id}`)
    .replace(/<@&(\d+)>/g, (_, id: string) => `@${names.role(id) ?? id}`)
    .replace(/<@!?(\d+)>/g, (_, id: string) => `@${names.user(id) ?? id}`)
    .replace(/<\/([\w -]+):\d+>/g, (_, path: string) => `/${path}`)
    .replace(/<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, s: string) => new Date(Number(s) * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
}

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');

/** A message as readable lines: content, each embed (title, description, fields, footer), attachments, components. */
export function renderMessage(message: MessageJson, names: Names): string {
  const out: string[] = [];
  if (message.content) out.push(plain(String(message.content), names));
  for (const embed of (message.embeds ?? []) as MessageJson[]) {
    const lines: string[] = [];
    if (embed.author?.name) lines.push(plain(String(embed.author.name), names));
    if (embed.title) lines.push(`**${plain(String(embed.title), names)}**${embed.url ? ` (${embed.url})` : ''}`);
    if (embed.description) lines.push(plain(String(embed.description), names));
    for (const field of (embed.fields ?? []) as MessageJson[]) {
      lines.push(`▸ ${plain(String(field.name), names)}`);
      lines.push(indent(plain(String(field.value), names), '  '));
    }
    if (embed.image?.url) lines.push(`[image: ${embed.image.url}]`);
    if (embed.footer?.text) lines.push(`— ${plain(String(embed.footer.text), names)}`);
    out.push(indent(lines.join('\n'), '│ '));
  }
  const attachments = (message.attachments ?? []) as MessageJson[];
  if (attachments.length) out.push(`📎 ${attachments.map((a) => a.filename).join(', ')}`);
  const components = componentsOf(message);
  const buttons = components.filter((c) => c.type !== 'select');
  if (buttons.length)
    out.push(buttons.map((c) => (c.type === 'link' ? `[${c.index} ${c.label} ↗ ${c.url}]` : `[${c.index} ${c.label}${c.disabled ? ' (disabled)' : ''}]`)).join(' '));
  for (const select of components.filter((c) => c.type === 'select'))
    out.push(`<${select.index} ${select.label}: ${(select.options ?? []).map((o) => (o.label === o.value ? o.label : `${o.label} (${o.value})`)).join(' | ') || 'any'}>`);
  if (out.length === 0) out.push('(empty message)');
  return out.join('\n');
}

/** A modal (callback type 9) as a form to fill with `submit name:value …`. */
export function renderModal(data: MessageJson): string {
  const fields = ((data.components ?? []) as MessageJson[]).flatMap((row) => {
    const inner = row.component ? [row.component] : ((row.components ?? []) as MessageJson[]);
    return inner.map((c) => `  ${c.custom_id}${c.required === false ? '' : ' (required)'}: ${row.label ?? c.label ?? ''}${c.placeholder ? ` — e.g. ${c.placeholder}` : ''}`);
  });
  return [`📝 Form: ${data.title ?? ''}`, ...fields, 'Fill it in with: submit <field>:"value" …'].join('\n');
}
