import { Routes, type APIMessage, type Client, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Tx } from '../db/client.js';
import { recordStep } from '../db/queries/claims.js';

/**
 * Sends a claimed post's messages in order, each one a step of the claim (`m0`, `m1` … in
 * scheduled_posts.steps, claims.ts recordStep): a claim taken over after a crash, or retried after a
 * transient error, sends only the messages not recorded yet. Each message carries the same nonce on
 * every attempt of the claim (enforce_nonce), so Discord returns an earlier message whose answer was
 * lost instead of posting it twice. The first message also fills the claim's message and channel.
 *
 * `posted` receives each message id as it goes, the recorded ones included, so that a caller whose
 * send failed part way knows what went out. `noncePrefix` tells the kinds of post apart (the nonce
 * is at most 25 characters).
 */
export async function sendClaimedMessages(
  db: Tx,
  client: Client,
  claimed: { id: number; steps: Record<string, string> },
  channelId: string,
  messages: readonly RESTPostAPIChannelMessageJSONBody[],
  noncePrefix: string,
  posted: string[],
): Promise<void> {
  for (const [i, body] of messages.entries()) {
    const done = claimed.steps[`m${i}`];
    if (done) {
      posted.push(done);
      continue;
    }
    const nonce = `${noncePrefix}${claimed.id}m${i}`.slice(0, 25);
    const message = (await client.rest.post(Routes.channelMessages(channelId), { body: { ...body, nonce, enforce_nonce: true } })) as APIMessage;
    await recordStep(db, claimed.id, `m${i}`, message.id, posted.length === 0 ? { messageId: message.id, channelId } : undefined);
    posted.push(message.id);
  }
}

/**
 * Who a claimed post pings or tells: chosen once per claim by `choose` and kept with it (step
 * `recipients`, user ids separated by spaces), so that a post split over several messages and retried
 * part way (a crash, a transient error) sends the rest of the same list. Chosen again, a member who
 * joined, left or finished in between would shift the split: someone pinged twice or not at all.
 */
export async function keptRecipients(db: Tx, claimed: { id: number; steps: Record<string, string> }, choose: () => Promise<string[]>): Promise<string[]> {
  const kept = claimed.steps.recipients;
  if (kept !== undefined) return kept === '' ? [] : kept.split(' ');
  const chosen = await choose();
  await recordStep(db, claimed.id, 'recipients', chosen.join(' '));
  return chosen;
}
