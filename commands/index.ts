import type { Command } from '../src/discord/command.js';
import { admin } from './admin/index.js';
import { challenge } from './challenge/index.js';
import { checkin } from './checkin.js';
import { cohort } from './cohort/index.js';
import { done } from './done.js';
import { event } from './event/index.js';
import { focus } from './focus.js';
import { help } from './help.js';
import { leaderboard } from './leaderboard.js';
import { members } from './members.js';
import { next } from './next.js';
import { pod } from './pod.js';
import { privacy } from './privacy.js';
import { progress } from './progress.js';
import { prompt } from './prompt.js';
import { resource } from './resource/index.js';
import { content } from './content/index.js';
import { resources } from './resources.js';
import { roadmap } from './roadmap.js';
import { settings } from './settings.js';
import { setup } from './setup/index.js';
import { stats } from './stats.js';
import { streak } from './streak.js';
import { study } from './study.js';
import { undo } from './undo.js';

/** Every slash command Cohort registers, listed explicitly. */
export const commands: readonly Command[] = [roadmap, next, done, undo, setup, help, challenge, prompt, checkin, streak, progress, leaderboard, settings, admin, privacy, resources, resource, focus, study, pod, cohort, members, content, event, stats];
