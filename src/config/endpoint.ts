/**
 * A puppet-service endpoint written as `host:port` (IPv6 in brackets: `[::1]:8788`). A self-hosted gateway is
 * reached directly instead of through the token discovery service, whose default resolver crashed the process
 * with the grpc-js 1.14 that wechaty-puppet-service installs (seen on every attempt, success or failure).
 */
export interface Endpoint {
  host: string;
  port: number;
  /** Whether the gateway speaks TLS. */
  tls: boolean;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** What is wrong with a host, or undefined. */
export function checkHost(host: string): string | undefined {
  if (HOST_NAME.test(host)) return undefined;
  if (host.includes(':') && IPV6.test(host)) return undefined;
  return 'the host is a name or an IP address (letters, digits, "." and "-")';
}

/** What is wrong with a port number, or undefined. */
export function checkPort(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65_535 ? undefined : 'the port is a whole number from 1 to 65535';
}

/** `host:port` → its parts, or what is wrong with it (the text itself is never repeated: it may be a pasted secret). */
export function parseEndpoint(text: string): { host: string; port: number } | { problem: string } {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  if (!match) return { problem: 'write the endpoint as host:port, e.g. 10.0.0.5:8788, or as { host, port, tls }' };
  const host = match[1]!;
  const port = Number(match[2]);
  const problem = checkHost(host) ?? checkPort(port);
  return problem ? { problem } : { host, port };
}
