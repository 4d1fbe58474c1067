/** Discord's JSON errors as the fake answers them: `{ message, code }` with Discord's HTTP status. */

const ERROR_MESSAGES: Record<number, string> = {
  0: '404: Not Found',
  10003: 'Unknown Channel',
  10004: 'Unknown Guild',
  10007: 'Unknown Member',
  10008: 'Unknown Message',
  10011: 'Unknown Role',
  10013: 'Unknown User',
  10015: 'Unknown Webhook',
  10062: 'Unknown interaction',
  10070: 'Unknown Guild Scheduled Event',
  180000: 'Cannot modify a finished event',
  10063: 'Unknown application command',
  50027: 'Invalid Webhook Token',
  40060: 'Interaction has already been acknowledged.',
  50001: 'Missing Access',
  50005: 'Cannot edit a message authored by another user',
  50006: 'Cannot send an empty message',
  50007: 'Cannot send messages to this user',
  50013: 'Missing Permissions',
  50035: 'Invalid Form Body',
};

/** The HTTP status Discord uses for a JSON error code (for `failWith` rules without a status). */
export function defaultStatusFor(code: number): number {
  if (code === 50027) return 401;
  if (code === 50001 || code === 50013 || code === 50007 || code === 50005) return 403;
  if (code >= 10001 && code < 20000) return 404;
  if (code === 0) return 404;
  return 400;
}

/** Thrown by state and route code; the REST server turns it into Discord's error response. */
export class HttpError extends Error {
  constructor(
    public status: number,
    public code: number,
    message?: string,
    /** Invalid Form Body (50035): the fields and their problems, as Discord nests them. */
    public errors?: Record<string, unknown>,
  ) {
    super(message ?? ERROR_MESSAGES[code] ?? 'Error');
  }
}
