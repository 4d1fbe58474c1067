import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { describeDiscordError, type PostingPlace } from '../../src/discord/errors.js';

const apiError = (code: number, status = 403) =>
  new DiscordAPIError({ code, message: 'from Discord' }, code, status, 'POST', 'https://discord.com/api/v10/channels/1/messages', { body: undefined, files: undefined });

const prompts: PostingPlace = { channelId: '111', setupCommand: '/setup prompts', resume: 'setup' };
const oneOff: PostingPlace = { channelId: '222', resume: 'retry' };
const notices: PostingPlace = { channelId: '333', setupCommand: '/setup resources', resume: 'automatic' };

describe('describeDiscordError', () => {
  it('turns the channel errors into a sentence that stops the feature, naming the channel and the fix', () => {
    const gone = describeDiscordError(apiError(10003, 404), prompts)!;
    expect(gone).toEqual({
      code: 10003,
      stopsFeature: true,
      sentence: '<#111> no longer exists (Discord error 10003, Unknown Channel). Choose another channel with `/setup prompts`.',
    });
    const unseen = describeDiscordError(apiError(50001), prompts)!;
    expect(unseen.stopsFeature).toBe(true);
    expect(unseen.sentence).toBe('I cannot see <#111> (Discord error 50001, Missing Access). Give me View Channel there, then run `/setup prompts` again.');
    const forbidden = describeDiscordError(apiError(50013), prompts)!;
    expect(forbidden.stopsFeature).toBe(true);
    expect(forbidden.sentence).toMatch(/^I am not allowed to post in <#111> \(Discord error 50013, Missing Permissions\)\. I need View Channel, Send Messages and Embed Links there;.*then run `\/setup prompts` again\.$/);
  });

  it('says what to do next for a one-off action and for notices', () => {
    expect(describeDiscordError(apiError(10003, 404), oneOff)!.sentence).toBe('<#222> no longer exists (Discord error 10003, Unknown Channel). Pick another channel.');
    expect(describeDiscordError(apiError(50013), oneOff)!.sentence).toMatch(/then try again\.$/);
    expect(describeDiscordError(apiError(50001), notices)!.sentence).toMatch(/and the next one will get through\.$/);
  });

  it('explains an AutoMod block without stopping the feature', () => {
    const blocked = describeDiscordError(apiError(200000, 400), prompts)!;
    expect(blocked.stopsFeature).toBe(false);
    expect(blocked.sentence).toMatch(/AutoMod blocked my message in <#111> \(Discord error 200000\)/);
  });

  it('has nothing to say about other errors: they are retried or reported by the caller', () => {
    expect(describeDiscordError(apiError(50035, 400), prompts)).toBeUndefined();
    expect(describeDiscordError(new HTTPError(503, 'Service Unavailable', 'POST', 'https://discord.com/api', { body: undefined, files: undefined }), prompts)).toBeUndefined();
    expect(describeDiscordError(new Error('socket hang up'), prompts)).toBeUndefined();
    expect(describeDiscordError('nope', prompts)).toBeUndefined();
  });
});
