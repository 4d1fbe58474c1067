import type { Command } from '../src/discord/command.js';
import { done } from './done.js';
import { help } from './help.js';
import { next } from './next.js';
import { roadmap } from './roadmap.js';
import { setup } from './setup.js';
import { undo } from './undo.js';

/** Every slash command Cohort registers, listed explicitly. */
export const commands: readonly Command[] = [roadmap, next, done, undo, setup, help];
