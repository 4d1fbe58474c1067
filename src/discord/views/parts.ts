import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIButtonComponentWithURL,
  type APIComponentInMessageActionRow,
} from 'discord.js';

/*
 * Message parts as the plain objects Discord's API takes, not discord.js builders: the builders
 * validate every setter call (and create throwaway errors even with validation off), which cost
 * about 6% of the CPU of each interaction. The views keep within Discord's limits themselves
 * (clip, userText), and the e2e tests check every payload against Discord's API spec.
 */

interface ButtonOptions {
  customId: string;
  label: string;
  style: APIButtonComponentWithCustomId['style'];
  /** A Unicode emoji shown before the label. */
  emoji?: string;
  disabled?: boolean;
}

export function button({ customId, label, style, emoji, disabled }: ButtonOptions): APIButtonComponentWithCustomId {
  const part: APIButtonComponentWithCustomId = { type: ComponentType.Button, custom_id: customId, label, style };
  // `animated: false` as discord.js sends it for a Unicode emoji.
  if (emoji !== undefined) part.emoji = { name: emoji, animated: false };
  if (disabled !== undefined) part.disabled = disabled;
  return part;
}

export function linkButton(url: string, label: string): APIButtonComponentWithURL {
  return { type: ComponentType.Button, style: ButtonStyle.Link, url, label };
}

export function actionRow<T extends APIComponentInMessageActionRow>(...components: T[]): APIActionRowComponent<T> {
  return { type: ComponentType.ActionRow, components };
}
