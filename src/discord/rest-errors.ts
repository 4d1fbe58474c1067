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
 */
export function reportRestErrors(onError: (status: number, code: number | undefined) => void, inner: MakeRequest = (url, init) => DefaultRestOptions.makeRequest(url, init)): MakeRequest {
  return async (url, init) => {
    const response = await inner(url, init);
    if (response.status < 400) return response;
    const bytes = await response.arrayBuffer();
    onError(response.status, errorCode(response.headers.get('content-type'), bytes));
    return new Response(bytes, { status: response.status, statusText: response.statusText ?? '', headers: response.headers });
  };
}

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
