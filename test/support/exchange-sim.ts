import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Simulated Exchange front ends on 127.0.0.1 for the probe tests and benchmark: what OWA and ECP
 * answer for a given build (headers, login page with resource paths, export-tool manifest), and the
 * ways real networks misbehave (proxies that strip headers, hangs, resets, redirect loops, huge
 * bodies, garbage). Never listens anywhere but loopback.
 */
export type Behaviour =
  | { kind: 'exchange'; build: string; header: boolean; exporttool: boolean; vulnerableActive?: boolean }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'loop' }
  | { kind: 'huge'; build: string }
  | { kind: 'garbage' }
  | { kind: 'other' };

let certCache: { key: string; cert: string } | null = null;

/** A throwaway self-signed certificate (as Exchange ships), made with Debian's openssl. */
export function selfSigned(): { key: string; cert: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=mail.ecu.example',
      '-addext',
      'subjectAltName=DNS:mail.ecu.example,DNS:autodiscover.ecu.example',
    ],
    { stdio: 'ignore' },
  );
  certCache = {
    key: readFileSync(join(dir, 'k.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'c.pem'), 'utf8'),
  };
  return certCache;
}

function loginPage(build: string): string {
  const cu = build.split('.').slice(0, 3).join('.');
  return `<!DOCTYPE html><html><head><title>Outlook</title><link rel="shortcut icon" href="/owa/auth/${cu}/themes/resources/favicon.ico" type="image/x-icon"><link type="text/css" rel="stylesheet" href="/owa/auth/${cu}/themes/resources/logon.css"></head><body class="signInBg"><form action="/owa/auth.owa" method="POST" name="logonForm"><div class="signInHeader">Outlook</div></form><script type="text/javascript" src="/owa/auth/${cu}/scripts/premium/flogon.js"></script></body></html>`;
}

function manifest(build: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><asmv1:assembly xsi:schemaLocation="urn:schemas-microsoft-com:asm.v1 assembly.adaptive.xsd" manifestVersion="1.0" xmlns:asmv1="urn:schemas-microsoft-com:asm.v1" xmlns="urn:schemas-microsoft-com:asm.v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><assemblyIdentity name="microsoft.exchange.ediscovery.exporttool.application" version="${build}" publicKeyToken="b03f5f7f11d50a3a" language="neutral" processorArchitecture="msil" xmlns="urn:schemas-microsoft-com:asm.v1" /><description asmv2:publisher="Microsoft Corporation" asmv2:product="Microsoft Exchange eDiscovery PST Export Tool" xmlns="urn:schemas-microsoft-com:asm.v1" xmlns:asmv2="urn:schemas-microsoft-com:asm.v2" /></asmv1:assembly>`;
}

export function handler(b: Behaviour): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    if (b.kind === 'hang') return; // never answer
    if (b.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (b.kind === 'loop') {
      res.writeHead(302, { Location: url.startsWith('/owa') ? '/loop-a' : '/owa/' }).end();
      return;
    }
    if (b.kind === 'other') {
      res
        .writeHead(200, { 'Content-Type': 'text/html', Server: 'nginx' })
        .end('<html><body><h1>Welcome to nginx!</h1></body></html>');
      return;
    }
    if (b.kind === 'huge') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write(loginPage(b.build));
      const block = Buffer.alloc(64 * 1024, 'x');
      let n = 0;
      const pump = () => {
        while (n++ < 320) {
          if (!res.write(block)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    if (b.kind !== 'exchange') return;
    const headers: Record<string, string> = {
      'Content-Type': 'text/html; charset=utf-8',
      'X-FEServer': 'EX01',
    };
    if (b.header) headers['X-OWA-Version'] = b.build;
    if (url === '/owa/' || url === '/owa') {
      res
        .writeHead(302, {
          ...headers,
          Location: '/owa/auth/logon.aspx?url=https%3a%2f%2fmail.ecu.example%2fowa%2f&reason=0',
        })
        .end();
      return;
    }
    if (url.startsWith('/owa/auth/logon.aspx')) {
      res.writeHead(200, headers).end(loginPage(b.build));
      return;
    }
    if (url.startsWith('/ecp/Current/exporttool/')) {
      if (b.exporttool)
        res.writeHead(200, { 'Content-Type': 'application/x-ms-application' }).end(manifest(b.build));
      else res.writeHead(404).end();
      return;
    }
    if (url.startsWith('/owa/auth/x.js')) {
      const cookie = String(req.headers.cookie ?? '');
      if (b.vulnerableActive && cookie.includes('X-AnonResource-Backend=localhost'))
        res.writeHead(500, { 'X-CalculatedBETarget': 'localhost' }).end();
      else res.writeHead(404).end();
      return;
    }
    if (url.startsWith('/autodiscover/autodiscover.json')) {
      res.writeHead(b.vulnerableActive ? 302 : 400, b.vulnerableActive ? { Location: '/owa/' } : {}).end();
      return;
    }
    res.writeHead(404).end();
  };
}

export interface Sim {
  readonly url: string;
  close(): Promise<void>;
}

export async function startSim(b: Behaviour, opts: { tls?: boolean } = {}): Promise<Sim> {
  if (b.kind === 'garbage') {
    const srv = net.createServer((s) => {
      s.on('error', () => undefined);
      s.end('\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return {
      url: `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
      close: () => new Promise((r) => srv.close(() => r())),
    };
  }
  const tls = opts.tls ?? true;
  const srv = tls ? https.createServer(selfSigned(), handler(b)) : http.createServer(handler(b));
  const sockets = new Set<net.Socket>();
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
