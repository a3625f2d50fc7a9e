// Reading a request body within limits, compressed and decompressed, so that a huge or
// decompression-bomb upload is refused with 413 before it costs memory.
import { promisify } from 'node:util';
import { gunzip, gunzipSync, inflate, inflateSync } from 'node:zlib';
import { BusyError, Limiter } from './limiter.ts';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 503,
    message: string,
  ) {
    super(message);
  }
}

export interface BodyLimits {
  /** Bytes on the wire. */
  maxCompressed: number;
  /** Bytes once decompressed. */
  maxDecompressed: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxCompressed: 8 * 1024 * 1024, maxDecompressed: 64 * 1024 * 1024 };

/** The raw body, refused with 413 as soon as it is larger than `max` bytes. */
export async function readLimited(request: Request, max: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new BodyError(413, `request body too large (${declared} bytes; limit ${max})`);
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new BodyError(413, `request body too large (over ${max} bytes)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The decoded body as text, honouring Content-Encoding gzip or deflate. */
export async function readBody(request: Request, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<string> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  const raw = await readLimited(request, encoding === 'identity' ? Math.min(limits.maxCompressed, limits.maxDecompressed) : limits.maxCompressed);
  if (encoding === 'identity') return raw.toString('utf8');
  const format = encoding === 'gzip' || encoding === 'x-gzip' ? 'gzip' : encoding === 'deflate' ? 'zlib' : null;
  if (!format) throw new BodyError(415, `unsupported Content-Encoding: ${encoding} (use gzip, deflate or none)`);
  return decompressAsync(raw, format, limits);
}

/** A decompression's failure as the BodyError to answer: a bomb is a 413, a broken or truncated stream a 400. */
function decompressionError(error: unknown, format: 'gzip' | 'zlib', limits: BodyLimits): BodyError {
  if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
    return new BodyError(413, `decompressed body too large (limit ${limits.maxDecompressed} bytes)`);
  return new BodyError(400, `body is not valid ${format === 'gzip' ? 'gzip' : 'zlib/deflate'} data: ${(error as Error).message}`);
}

/** Inflate within the decompressed size limit, on this thread (a worker's, or the command line's). */
export function decompress(raw: Buffer, format: 'gzip' | 'zlib', limits: BodyLimits = DEFAULT_BODY_LIMITS): string {
  try {
    return (format === 'gzip' ? gunzipSync : inflateSync)(raw, { maxOutputLength: limits.maxDecompressed }).toString('utf8');
  } catch (error) {
    throw decompressionError(error, format, limits);
  }
}

const inflateAsync = { gzip: promisify(gunzip), zlib: promisify(inflate) };
/** Two inflations at once (each may reach the limit in memory), a short queue, else busy. */
const inflating = new Limiter(2, 32);

/**
 * Inflate within the decompressed size limit on libuv's thread pool: the event loop stays free
 * while a bomb is inflated (and stopped at the limit), and at most two run at once.
 */
export async function decompressAsync(raw: Buffer, format: 'gzip' | 'zlib', limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<string> {
  let inflated: Buffer;
  try {
    inflated = await inflating.run(() => inflateAsync[format](raw, { maxOutputLength: limits.maxDecompressed }));
  } catch (error) {
    if (error instanceof BusyError) throw new BodyError(503, 'too many compressed reports at once: try again later');
    throw decompressionError(error, format, limits);
  }
  return inflated.toString('utf8');
}

/** What a body's first bytes say it is: zlib (RFC 1950), gzip (RFC 1952) or not compressed. */
export function sniffCompression(raw: Buffer): 'zlib' | 'gzip' | null {
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return 'gzip';
  if (raw.length >= 2 && (raw[0]! & 0x0f) === 8 && ((raw[0]! << 8) | raw[1]!) % 31 === 0) return 'zlib';
  return null;
}

/**
 * A request whose body stream fails with a 413 BodyError once more than `max` bytes have come, and
 * is refused at once when its Content-Length already says so: whoever reads it later (a form
 * parser, readBody) never holds more than `max` bytes.
 */
export function limitRequestBody(request: Request, max: number): Request {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new BodyError(413, `request body too large (${declared} bytes; limit ${max})`);
  if (!request.body) return request;
  let size = 0;
  const limited = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > max) controller.error(new BodyError(413, `request body too large (over ${max} bytes)`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request, { body: limited, duplex: 'half' } as RequestInit);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Lone UTF-16 surrogates replaced by U+FFFD: SQLite would store them as invalid UTF-8. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * JSON.parse whose strings (values and keys) are well-formed Unicode. Text decoded from UTF-8 has
 * no lone surrogate: only a `\u` escape makes one, so text without any parses at full speed.
 */
export function parseJson(text: string): unknown {
  if (!text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'string') return wellFormed(value);
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => wellFormed(k) !== k))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), v]));
    return value;
  });
}
