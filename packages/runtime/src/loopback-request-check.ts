// Names by which a client on this machine reaches a server bound to loopback. Anything else in a
// Host header means a DNS rebinding attack: a web page whose domain now resolves to 127.0.0.1.
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks the Host and Origin headers of a request to the loopback HTTP server, against DNS
 * rebinding: the Host must name this machine (any port), and an Origin, when a browser sends one,
 * must be a page served from this machine. Returns why a request is refused, or undefined.
 */
export function refuseNonLoopbackRequest(host: string | undefined, origin: string | undefined): string | undefined {
  if (host === undefined || host === '') return 'Missing Host header.';
  const hostname = hostnameOf(`http://${host}`);
  if (hostname === undefined || !LOOPBACK_HOSTNAMES.has(hostname)) {
    return `Invalid Host header "${host}": this server answers only requests to localhost, 127.0.0.1 or [::1].`;
  }
  if (origin !== undefined) {
    const originHostname = /^https?:\/\//.test(origin) ? hostnameOf(origin) : undefined;
    if (originHostname === undefined || !LOOPBACK_HOSTNAMES.has(originHostname)) {
      return `Invalid Origin header "${origin}": only pages served from this machine may call this server.`;
    }
  }
  return undefined;
}

function hostnameOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    // A Host header is a host and an optional port: user info or a path is not one.
    if (parsed.username !== '' || parsed.password !== '' || parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
      return undefined;
    }
    return parsed.hostname;
  } catch {
    return undefined;
  }
}
