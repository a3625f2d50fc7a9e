// Reading a request body within limits, compressed and decompressed, so that a huge or
// decompression-bomb upload is refused with 413 before it costs memory.
import { gunzipSync, inflateSync } from 'node:zlib';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
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

async function readLimited(request: Request, max: number): Promise<Buffer> {
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
  const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : null;
  if (!inflate) throw new BodyError(415, `unsupported Content-Encoding: ${encoding} (use gzip, deflate or none)`);
  try {
    return inflate(raw, { maxOutputLength: limits.maxDecompressed }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new BodyError(413, `decompressed body too large (limit ${limits.maxDecompressed} bytes)`);
    throw new BodyError(400, `body is not valid ${encoding} data: ${(error as Error).message}`);
  }
}
