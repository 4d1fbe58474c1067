import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Context } from '../context.js';

export type ComponentHandler = (
  interaction: MessageComponentInteraction | ModalSubmitInteraction,
  ctx: Context,
  args: string[],
) => Promise<void>;

/**
 * One slash command: its definition and its handlers. Buttons, selects and modals it sends
 * carry custom ids `<command name>:<action>:<args…>` and come back to `components[action]`.
 */
export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: Context): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: Context): Promise<void>;
  components?: Record<string, ComponentHandler>;
}

/** Builds a custom id that the router routes back to `command.components[action]`. */
export function customId(command: string, action: string, ...args: (string | number)[]): string {
  const id = [command, action, ...args].join(':');
  if (id.length > 100) throw new Error(`custom id too long (${id.length} > 100): ${id}`);
  return id;
}
