import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_URL_INPUT_LENGTH, MAX_URL_LENGTH, displayHost, displayUrl, guessKind, isTrackingParam, nonPublicHostReason, parseResourceUrl, urlKey } from '../../src/domain/urls.js';

const ok = (input: string) => {
  const result = parseResourceUrl(input);
  if (!result.ok) throw new Error(`expected ${input} to be accepted: ${result.reason}`);
  return result;
};
const reason = (input: string) => {
  const result = parseResourceUrl(input);
  if (result.ok) throw new Error(`expected ${input} to be refused, got ${result.url}`);
  return result.reason;
};

describe('parseResourceUrl: what is accepted', () => {
  it('accepts http and https and nothing else', () => {
    expect(ok('https://example.com/a').url).toBe('https://example.com/a');
    expect(ok('http://example.com/a').url).toBe('http://example.com/a');
    for (const bad of ['ftp://example.com/file', 'javascript:alert(1)', 'mailto:someone@example.com', 'file:///etc/passwd', 'data:text/html,hi']) {
      expect(reason(bad)).toMatch(/Only http/);
    }
  });

  it('refuses text that is not a link, with a sentence that says why', () => {
    expect(reason('')).toBe('The link is empty.');
    expect(reason('   ')).toBe('The link is empty.');
    expect(reason('example.com/page')).toMatch(/not a link/);
    expect(reason('https://exa mple.com/')).toMatch(/spaces/);
    expect(reason('https://user:secret@example.com/')).toMatch(/password/);
    expect(reason('https://google.com@evil.example/')).toMatch(/user name/);
  });

  it('accepts at most 512 characters', () => {
    const base = 'https://example.com/';
    const exact = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
    expect(ok(exact).url).toHaveLength(MAX_URL_LENGTH);
    expect(reason(exact + 'a')).toMatch(/too long \(513 characters; at most 512\)/);
    // Encoding can make a link longer than what was typed: the stored form is checked too.
    const grows = base + 'é'.repeat(200);
    expect(grows.length).toBeLessThan(MAX_URL_LENGTH);
    expect(reason(grows)).toMatch(/too long once encoded/);
  });

  it('applies the limit to the stored form: tracking parameters do not push a link over it', () => {
    const page = 'https://example.com/' + 'a'.repeat(MAX_URL_LENGTH - 'https://example.com/'.length);
    const pasted = `${page}?utm_source=newsletter&utm_medium=email&utm_campaign=${'x'.repeat(100)}&fbclid=${'f'.repeat(200)}`;
    expect(pasted.length).toBeGreaterThan(MAX_URL_LENGTH);
    expect(ok(pasted).url).toBe(page);
    expect(reason(`${page}a?utm_source=x`)).toMatch(/too long \(513 characters; at most 512\)/);
    expect(reason('https://example.com/' + 'a'.repeat(MAX_URL_INPUT_LENGTH))).toMatch(/too long/);
  });

  it('trims surrounding whitespace', () => {
    expect(ok('  https://example.com/a \n').url).toBe('https://example.com/a');
  });
});

/** The stored form (what parseResourceUrl gives as `url`). */
const stored = (input: string) => ok(input).url;

describe('the stored form', () => {
  it('lower-cases the host, drops a trailing dot, the default port and the fragment', () => {
    expect(stored('HTTPS://Docs.Python.ORG/3/Tutorial/')).toBe('https://docs.python.org/3/Tutorial/');
    expect(stored('https://example.com./a')).toBe('https://example.com/a');
    expect(stored('https://example.com:443/a')).toBe('https://example.com/a');
    expect(stored('http://example.com:80/a')).toBe('http://example.com/a');
    expect(stored('https://example.com:8443/a')).toBe('https://example.com:8443/a');
    expect(stored('https://example.com/a#section-2')).toBe('https://example.com/a');
    expect(stored('https://example.com/a?#')).toBe('https://example.com/a');
  });

  it('drops tracking parameters and keeps the others in their order', () => {
    expect(stored('https://example.com/a?utm_source=x&utm_MEDIUM=y&b=2&fbclid=abc&a=1&gclid=1&mc_cid=2&ref_src=twsrc')).toBe(
      'https://example.com/a?b=2&a=1',
    );
    expect(stored('https://example.com/a?utm_campaign=spring')).toBe('https://example.com/a');
    expect(stored('https://www.youtube.com/watch?v=aircAruvnKk&t=10s')).toBe('https://www.youtube.com/watch?v=aircAruvnKk&t=10s');
    // Share-button parameters of a few sites, only there.
    expect(stored('https://www.youtube.com/watch?v=aircAruvnKk&si=AbC123&feature=shared')).toBe('https://www.youtube.com/watch?v=aircAruvnKk');
    expect(stored('https://youtu.be/aircAruvnKk?si=AbC123')).toBe('https://youtu.be/aircAruvnKk');
    expect(stored('https://example.com/search?si=units&feature=x')).toBe('https://example.com/search?si=units&feature=x');
  });

  it('keeps what is not tracking: path case, ref, utm without underscore', () => {
    expect(isTrackingParam('ref')).toBe(false);
    expect(isTrackingParam('utmost')).toBe(false);
    expect(isTrackingParam('UTM_Source')).toBe(true);
    expect(stored('https://example.com/Path/To?ref=main&utmost=1')).toBe('https://example.com/Path/To?ref=main&utmost=1');
  });

  it('keeps a trailing slash as typed (the key ignores it)', () => {
    expect(stored('https://example.com/docs/')).toBe('https://example.com/docs/');
    expect(stored('https://example.com/docs')).toBe('https://example.com/docs');
    expect(stored('https://example.com')).toBe('https://example.com/');
  });

  it('decodes escapes of unreserved characters: %7e and ~ are the same stored link', () => {
    expect(ok('https://example.com/%7euser/%41%2d%5F%2e?x=%7E').url).toBe('https://example.com/~user/A-_.?x=~');
    expect(ok('https://example.com/%7euser').url).toBe(ok('https://example.com/~user').url);
    expect(urlKey('https://example.com/%7euser')).toBe(urlKey('https://example.com/~user'));
    // Reserved characters keep their escapes (a%2Fb is not a/b), in upper case.
    expect(ok('https://example.com/a%2fb?q=%26').url).toBe('https://example.com/a%2Fb?q=%26');
  });

  it('keeps the spelling of the parameters it keeps when it drops tracking ones', () => {
    expect(stored('https://example.com/s?q=a+b&utm_source=x&p=~me&r=%20')).toBe('https://example.com/s?q=a+b&p=~me&r=%20');
  });
});

describe('displayUrl: what people read', () => {
  it('shows an international host in Unicode and stores it as punycode', () => {
    expect(ok('https://Bücher.example/katalog').url).toBe('https://xn--bcher-kva.example/katalog');
    expect(displayUrl('https://xn--bcher-kva.example/katalog?q=xn--bcher-kva')).toBe('https://bücher.example/katalog?q=xn--bcher-kva');
    expect(displayHost('https://www.xn--mnchen-3ya.de/')).toBe('www.münchen.de');
    expect(displayUrl('https://example.com/a')).toBe('https://example.com/a');
    expect(displayUrl('not a link')).toBe('not a link');
  });
});

describe('urlKey: de-duplication', () => {
  it('treats scheme, www., trailing slash, parameter order, escapes case and tracking as the same link', () => {
    const same = [
      'https://www.deeplearning.ai/courses/?b=2&a=1',
      'http://deeplearning.ai/courses?a=1&b=2',
      'https://DeepLearning.ai/courses/?a=1&utm_source=newsletter&b=2#top',
      'https://deeplearning.ai:443/courses?a=1&b=2&fbclid=xyz',
    ];
    const keys = new Set(same.map((u) => urlKey(u)));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBe('deeplearning.ai/courses?a=1&b=2');
    expect(urlKey('https://example.com/a%2fb')).toBe(urlKey('https://example.com/a%2Fb'));
  });

  it('tells different pages apart', () => {
    const different = [
      'https://example.com/a',
      'https://example.com/b',
      'https://example.com/a?page=2',
      'https://example.com:8080/a',
      'https://sub.example.com/a',
      'https://example.com/A',
    ];
    expect(new Set(different.map((u) => urlKey(u))).size).toBe(different.length);
  });

  it('is undefined for an invalid link', () => {
    expect(urlKey('not a link')).toBeUndefined();
  });
});

const trackingParam = fc.constantFrom('utm_source', 'utm_medium', 'UTM_Campaign', 'fbclid', 'gclid', 'mc_cid', 'ref_src', 'msclkid');
const plainParam = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((name) => !isTrackingParam(name));
const anyWebUrl = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true });

describe('properties', () => {
  it('normalising is idempotent and keeps the key', () => {
    fc.assert(
      fc.property(anyWebUrl, (input) => {
        const first = parseResourceUrl(input);
        if (!first.ok) return;
        const second = parseResourceUrl(first.url);
        expect(second).toEqual(first);
        expect(urlKey(first.url)).toBe(first.key);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and never accepts anything but a short http(s) link without a fragment', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 600 }), anyWebUrl, fc.webUrl({ validSchemes: ['ftp', 'ws', 'file'] })), (input) => {
        const result = parseResourceUrl(input);
        if (!result.ok) {
          expect(result.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(result.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
        expect(result.url).toMatch(/^https?:\/\//);
        expect(result.url).not.toContain('#');
        expect(new URL(result.url).hostname).toBe(new URL(result.url).hostname.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });

  it('adding tracking parameters, a fragment or upper-case host letters does not change the key', () => {
    fc.assert(
      fc.property(
        fc.domain(),
        fc.array(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { maxLength: 3 }),
        fc.array(fc.tuple(plainParam, fc.stringMatching(/^[a-z0-9]{0,5}$/)), { maxLength: 3 }),
        fc.array(fc.tuple(trackingParam, fc.stringMatching(/^[a-z0-9]{1,5}$/)), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (domain, segments, params, tracking, trailingSlash) => {
          const path = `/${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`;
          const query = (list: [string, string][]) => (list.length ? `?${list.map(([k, v]) => `${k}=${v}`).join('&')}` : '');
          const clean = `https://${domain}${path}${query(params)}`;
          const mixed = [...params];
          for (const [i, t] of tracking.entries()) mixed.splice(Math.min(i * 2, mixed.length), 0, t);
          const noisy = `https://${domain.toUpperCase()}${path}${query(mixed)}#frag`;
          expect(urlKey(noisy)).toBe(urlKey(clean));
          expect(stored(noisy)).not.toMatch(/utm_|fbclid|gclid|mc_cid|ref_src|msclkid|#/i);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('guessKind', () => {
  it('calls links on video sites videos and everything else an article', () => {
    for (const url of ['https://www.youtube.com/watch?v=aircAruvnKk', 'https://m.youtube.com/watch?v=x', 'https://youtu.be/aircAruvnKk', 'https://vimeo.com/123']) {
      expect(guessKind(url)).toBe('video');
    }
    for (const url of ['https://open.spotify.com/episode/1', 'https://example.com/youtube.com', 'https://notyoutube.com/watch', 'not a link']) {
      expect(guessKind(url)).toBe('article');
    }
  });
});

describe('nonPublicHostReason: links members may not suggest', () => {
  it('refuses this machine, private networks, local-only names and IP literals in every form', () => {
    const privateOnes = ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://0x7f000001/', 'http://169.254.169.254/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://0.0.0.0/', 'http://[::1]/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::ffff:127.0.0.1]/'];
    for (const url of privateOnes) expect(nonPublicHostReason(url), url).toMatch(/private network/);
    for (const url of ['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://printer.local/', 'http://metadata.google.internal/', 'http://router.lan/', 'http://intranet/'])
      expect(nonPublicHostReason(url), url).toMatch(/private network|not a public web address/);
    for (const url of ['http://8.8.8.8/', 'http://[2606:4700::1111]/']) expect(nonPublicHostReason(url), url).toMatch(/IP address/);
  });

  it('lets public names through', () => {
    for (const url of ['https://example.com/', 'https://www.kaggle.com/learn', 'https://localhost.example.com/', 'https://internal.example.org/', 'https://xn--bcher-kva.example/'])
      expect(nonPublicHostReason(url), url).toBeUndefined();
  });

  it('any IPv4 address, however written, is refused', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.constantFrom('dec', 'int', 'hex'), (ip, form) => {
        const n = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
        const host = form === 'dec' ? ip : form === 'int' ? String(n) : `0x${n.toString(16)}`;
        expect(nonPublicHostReason(`http://${host}/`)).toBeDefined();
      }),
    );
  });
});
