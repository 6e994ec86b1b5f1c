import type { LogEvent } from '../../model/records.ts';

/** The request in an IIS or HttpProxy line, in one shape for the web checks. */
export interface WebRequest {
  readonly method: string;
  readonly stem: string;
  readonly query: string;
  readonly status: string;
  readonly clientIp: string;
  readonly userAgent: string;
  readonly user: string;
  readonly host?: string;
}

export function webRequest(rec: LogEvent): WebRequest | null {
  const f = (k: string) => {
    const v = rec.field(k);
    return v === undefined || v === '-' ? '' : v;
  };
  if (rec.kind === 'iis.w3c') {
    return {
      method: f('cs-method'),
      stem: f('cs-uri-stem'),
      query: f('cs-uri-query'),
      status: f('sc-status'),
      clientIp: f('c-ip'),
      userAgent: f('cs(User-Agent)').replace(/\+/g, ' '),
      user: f('cs-username'),
      ...(f('s-computername') ? { host: f('s-computername') } : {}),
    };
  }
  if (rec.kind === 'exchange.httpproxy') {
    return {
      method: f('Method'),
      stem: f('UrlStem'),
      query: f('UrlQuery'),
      status: f('HttpStatus'),
      clientIp: f('ClientIpAddress'),
      userAgent: f('UserAgent'),
      user: f('AuthenticatedUser'),
      ...(f('ServerHostName') ? { host: f('ServerHostName') } : {}),
    };
  }
  return null;
}
