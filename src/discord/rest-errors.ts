import { DefaultRestOptions, type RESTOptions } from 'discord.js';

type MakeRequest = RESTOptions['makeRequest'];

/**
 * Wraps discord.js's REST transport so that every answer with an error status (>= 400) is reported
 * with Discord's JSON error code (50013 Missing Permissions, 10003 Unknown Channel…), or undefined
 * when the body has none (a 502 from a proxy, say). Each attempt is reported, retries included.
 *
 * The REST `response` event cannot give the code: with the default undici transport it hands out the
 * same body stream discord.js reads next, and reading it there breaks the DiscordAPIError. So the
 * error body is read here, once (a few hundred bytes), and passed on as a fresh Response holding the
 * same bytes. Successful answers pass through untouched.
 *
 * One error is no error: 40060 ("already acknowledged") answering the retry of an interaction
 * callback whose previous attempt got a 5xx. Discord had taken that attempt; the router counts the
 * acknowledgement as done (src/discord/answer.ts), and so is it not reported here.
 */
export function reportRestErrors(onError: (status: number, code: number | undefined) => void, inner: MakeRequest = (url, init) => DefaultRestOptions.makeRequest(url, init)): MakeRequest {
  /** Interaction callback URLs whose last attempt was answered with a 5xx (a retry follows). */
  const retried = new Set<string>();
  return async (url, init) => {
    const response = await inner(url, init);
    const callback = url.endsWith('/callback') || url.includes('/callback?');
    const afterServerError = callback && retried.delete(url);
    if (callback && response.status >= 500) {
      if (retried.size > 1_000) retried.clear(); // attempts that were never retried
      retried.add(url);
    }
    if (response.status < 400) return response;
    const bytes = await response.arrayBuffer();
    const code = errorCode(response.headers.get('content-type'), bytes);
    if (!(afterServerError && code === ALREADY_ACKNOWLEDGED)) onError(response.status, code);
    return new Response(bytes, { status: response.status, statusText: response.statusText ?? '', headers: response.headers });
  };
}

const ALREADY_ACKNOWLEDGED = 40_060;

/** Discord's JSON error code in an error body, if it has one. */
export function errorCode(contentType: string | null, bytes: ArrayBuffer): number | undefined {
  if (!contentType?.startsWith('application/json')) return undefined;
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
