// A loopback proxy in front of s3rver for cosmicai's tests:
//  - verifies the SigV4 signature of every request with @smithy/signature-v4 (the signer inside
//    the AWS SDK for JavaScript) and the payload hash (s3rver checks neither);
//  - injects faults on demand: 503 SlowDown, 500 InternalError, TCP reset, truncated body, stall;
//  - makes s3rver's PUT atomic per key, as S3's is (s3rver rewrites the file in place);
//  - counts requests, signature results, fired faults and upstream writes per key.
//
// Usage: UPSTREAM=http://127.0.0.1:PORT [SECRET=S3RVER] node s3proxy.mjs
// Prints "s3proxy listening on 127.0.0.1:PORT" once it accepts connections.
// Control (never a bucket: bucket names cannot contain '_'):
//   GET /__fault?action=503|500|reset|truncate|stall&count=N&method=GET&path=SUBSTRING&ms=M
//   GET /__fault?clear=1      GET /__stats      GET /__stats?reset=1
import http from 'node:http';
import crypto from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

const upstream = new URL(process.env.UPSTREAM || 'http://127.0.0.1:4568');
const secret = process.env.SECRET || 'S3RVER';

class Sha256 {
  constructor(key) { this.h = key ? crypto.createHmac('sha256', key) : crypto.createHash('sha256'); }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

let stats;
function resetStats() {
  stats = { requests: 0, sigv4_ok: 0, sigv4_fail: 0, payload_hash_fail: 0, unsigned: 0,
            faults_fired: {}, upstream_writes: {}, rejected: [] };
}
resetStats();
let faults = [];

// RFC 3986 encoding with uppercase hex: what S3 (and the SDK) expect in the canonical request.
const strictEncode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function canonicalPath(rawPath) {
  return rawPath.split('/').map((seg) => strictEncode(decodeURIComponent(seg))).join('/');
}

function parseQuery(raw) {
  const q = {};
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (k in q) q[k] = [].concat(q[k], v); else q[k] = v;
  }
  return q;
}

function amzDateToDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

function reject(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function note(reason) {
  stats.rejected.push(reason);
  if (stats.rejected.length > 20) stats.rejected.shift();
}

// Returns null when the signature verifies, else a reason.
async function verify(req, rawPath, rawQuery, body) {
  const auth = req.headers['authorization'];
  if (!auth) { stats.unsigned++; return null; }
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed Authorization header: ' + auth;
  const [, accessKeyId, , region, service, signedList, signature] = m;
  const contentSha = req.headers['x-amz-content-sha256'];
  if (!contentSha) return 'missing x-amz-content-sha256';
  if (contentSha !== 'UNSIGNED-PAYLOAD') {
    const actual = crypto.createHash('sha256').update(body).digest('hex');
    if (actual !== contentSha) { stats.payload_hash_fail++; return 'payload hash mismatch'; }
  }
  const date = amzDateToDate(req.headers['x-amz-date']);
  if (!date) return 'missing or malformed x-amz-date';
  const signed = signedList.split(';');
  const headers = {};
  for (const h of signed) {
    const v = req.headers[h];
    if (v === undefined) return `signed header '${h}' was not sent`;
    headers[h] = Array.isArray(v) ? v.join(',') : v;
  }
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region, service,
                                   sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const request = { method: req.method, protocol: 'http:', hostname: headers.host || '', path: canonicalPath(rawPath),
                    query: parseQuery(rawQuery), headers, body };
  const out = await signer.sign(request, { signingDate: date, signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization)[1];
  const expectedList = /SignedHeaders=([^,]+)/.exec(out.headers.authorization)[1];
  if (expectedList !== signedList) return `signed headers '${signedList}' != '${expectedList}'`;
  if (expected !== signature) return `SignatureDoesNotMatch for ${req.method} ${rawPath}${rawQuery ? '?' + rawQuery : ''}`;
  return null;
}

// One lock per object path: s3rver truncates and rewrites the object file in place, so a GET
// overlapping a PUT could see a mix; S3 never shows one.
const locks = new Map();
async function withLock(key, fn) {
  const prev = locks.get(key) || Promise.resolve();
  let release;
  const mine = new Promise((r) => { release = r; });
  const chain = prev.then(() => mine);
  locks.set(key, chain);
  await prev;
  try { return await fn(); } finally {
    release();
    if (locks.get(key) === chain) locks.delete(key);
  }
}

function forward(req, rawUrl, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: rawUrl, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
    up.on('error', reject);
    up.end(body);
  });
}

function takeFault(req, rawPath) {
  for (const f of faults) {
    if (f.count <= 0) continue;
    if (f.method && f.method !== req.method) continue;
    if (f.path && !decodeURIComponent(rawPath).includes(f.path) && !rawPath.includes(f.path)) continue;
    f.count--;
    stats.faults_fired[f.action] = (stats.faults_fired[f.action] || 0) + 1;
    return f;
  }
  return null;
}

function control(req, res, rawPath, rawQuery) {
  const q = parseQuery(rawQuery);
  if (rawPath === '/__stats') {
    if (q.reset) resetStats();
    const body = JSON.stringify({ ...stats, faults_armed: faults.filter((f) => f.count > 0).length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    return res.end(body);
  }
  if (q.clear) faults = [];
  if (q.action) {
    if (!['503', '500', 'reset', 'truncate', 'stall'].includes(q.action)) return reject(res, 400, 'BadFault', q.action);
    faults.push({ action: q.action, count: Number(q.count || 1), method: q.method || '', path: q.path || '',
                  ms: Number(q.ms || 3000) });
  }
  res.writeHead(200, { 'content-length': 2 });
  res.end('ok');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const rawUrl = req.url;
    const qi = rawUrl.indexOf('?');
    const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const rawQuery = qi < 0 ? '' : rawUrl.slice(qi + 1);
    if (rawPath.startsWith('/__')) return control(req, res, rawPath, rawQuery);
    stats.requests++;
    let why;
    try {
      why = await verify(req, rawPath, rawQuery, body);
    } catch (e) {
      why = 'verifier error: ' + e.message;
    }
    if (why) {
      stats.sigv4_fail++;
      note(why);
      return reject(res, 403, why.startsWith('payload') ? 'XAmzContentSHA256Mismatch' : 'SignatureDoesNotMatch', why);
    }
    if (req.headers['authorization']) stats.sigv4_ok++;
    const fault = takeFault(req, rawPath);
    if (fault && fault.action === '503') return reject(res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault && fault.action === '500') return reject(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (fault && fault.action === 'reset') return req.socket.resetAndDestroy();
    const host = (req.headers.host || '').split(':')[0];
    const lockKey = host + ' ' + rawPath;
    let up;
    try {
      up = await withLock(lockKey, () => forward(req, rawUrl, body));
    } catch (e) {
      // s3rver answers a Range on an empty object with a Content-Length of 1 and no body (and
      // the connection dies); S3 answers 416 InvalidRange. Answer as S3 does.
      if (req.method === 'GET' && req.headers.range) {
        try {
          const headers = { ...req.headers };
          delete headers.range;
          const head = await forward({ method: 'HEAD', headers }, rawUrl, Buffer.alloc(0));
          if (head.status === 200 && Number(head.headers['content-length']) === 0) {
            return reject(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
          }
        } catch (e2) { /* fall through */ }
      }
      return reject(res, 502, 'BadGateway', 'upstream: ' + e.message);
    }
    const isWrite = (req.method === 'PUT' && !rawQuery.includes('partNumber') && !req.headers['x-amz-copy-source']) ||
                    (req.method === 'POST' && rawQuery.includes('uploadId'));
    if (isWrite && up.status < 300) {
      const k = host + decodeURIComponent(rawPath);
      stats.upstream_writes[k] = (stats.upstream_writes[k] || 0) + 1;
    }
    const headers = { ...up.headers };
    delete headers['transfer-encoding'];
    if (req.method !== 'HEAD') headers['content-length'] = String(up.body.length);
    if (fault && (fault.action === 'truncate' || fault.action === 'stall') && up.body.length > 1) {
      const half = Math.floor(up.body.length / 2);
      res.writeHead(up.status, headers);
      res.write(up.body.subarray(0, half));
      if (fault.action === 'truncate') {
        return setTimeout(() => req.socket.destroy(), 20);
      }
      return setTimeout(() => { if (!res.destroyed) res.end(up.body.subarray(half)); }, fault.ms);
    }
    res.writeHead(up.status, headers);
    res.end(up.body);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  console.log(`s3proxy listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
